/** Syntax checks for addresses written in manifests (no DNS, no sockets). Pure. */

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const LABEL = /^[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?$/;

/** True for a dotted-quad IPv4 literal such as `127.0.0.1`. */
export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

/** True for an IPv6 literal without brackets or zone, such as `::1` or `::ffff:10.0.0.1`. */
export function isIPv6(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const split = (p: string): string[] => (p === '' ? [] : p.split(':'));
  const head = split(halves[0] ?? '');
  const tail = halves.length === 2 ? split(halves[1] ?? '') : [];
  let groups = [...head, ...tail];
  let count = groups.length;
  const last = groups[groups.length - 1];
  if (last !== undefined && last.includes('.')) {
    // An embedded IPv4 must be the very last part and counts as two groups.
    if (!isIPv4(last) || (halves.length === 2 && tail.length === 0)) return false;
    groups = groups.slice(0, -1);
    count += 1;
  }
  if (!groups.every((g) => HEX_GROUP.test(g))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** True for an IPv4 or IPv6 literal. */
export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** True for a DNS name made of RFC 1123 labels (underscores tolerated), optionally ending with a dot. */
export function isHostname(s: string): boolean {
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  if (name === '' || name.length > 253) return false;
  const labels = name.split('.');
  // An all-numeric last label would be a mistyped IPv4 address, not a name.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return false;
  return labels.every((l) => LABEL.test(l));
}
