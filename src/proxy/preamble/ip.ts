/** IP addresses between text and bytes, for the PROXY protocol (pure). */
import { isIPv4, isIPv6 } from '../../manifest/address';

/** An address and port as a PROXY header carries them. */
export interface PeerAddress {
  readonly address: string;
  readonly port: number;
}

/** `::ffff:1.2.3.4` as `1.2.3.4` (how a dual-stack socket shows an IPv4 peer); anything else unchanged. */
export function unmapped(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && isIPv4(lower.slice(7))) return lower.slice(7);
  return address;
}

/** 4 or 16 bytes of an IPv4 or IPv6 literal; null when it is neither. */
export function ipBytes(address: string): Uint8Array | null {
  if (isIPv4(address)) return Uint8Array.from(address.split('.').map(Number));
  if (!isIPv6(address)) return null;
  const out = new Uint8Array(16);
  let tail = address;
  let v4: Uint8Array | null = null;
  const lastColon = address.lastIndexOf(':');
  if (address.slice(lastColon + 1).includes('.')) {
    v4 = ipBytes(address.slice(lastColon + 1));
    tail = address.slice(0, lastColon + 1) + '0:0';
  }
  const [head = '', rest] = tail.split('::');
  const hs = head === '' ? [] : head.split(':');
  const ts = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? hs : [...hs, ...new Array<string>(8 - hs.length - ts.length).fill('0'), ...ts];
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  if (v4 !== null) out.set(v4, 12);
  return out;
}

/** The text form of 4 or 16 address bytes (IPv6 with its longest run of zero groups as `::`). */
export function ipText(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}
