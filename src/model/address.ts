/** Address checks without node:net (the model is pure). */

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a dotted-quad IPv4 address. */
export function isIPv4(s: string): boolean {
  return V4.test(s);
}

/** True for an IPv6 address in any of its textual forms (no zone, no brackets). */
export function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  let head = s;
  let groupsForV4 = 0;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    if (!isIPv4(s.slice(lastColon + 1))) return false;
    head = s.slice(0, lastColon + 1) + '0';
    groupsForV4 = 1;
  }
  const halves = head.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const parts = halves.flatMap(groups);
  if (!parts.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const n = parts.length + groupsForV4;
  return halves.length === 2 ? n <= 8 : n === 8;
}

/** True for an IPv4 or IPv6 address literal. */
export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** True for the any-address (`0.0.0.0`, `::`), which overlaps every address on its port. */
export function isWildcard(s: string): boolean {
  return s === '0.0.0.0' || s === '::' || s === '::0';
}

/** `address:port`, with IPv6 in brackets: the key a listener or endpoint is known by. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
