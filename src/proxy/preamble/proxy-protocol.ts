/**
 * The PROXY protocol (HAProxy's proxy-protocol.txt), versions 1 (text) and 2 (binary): a parser
 * for the header an upstream load balancer sends before a client's first byte, and the headers
 * tcpshift sends to endpoints whose DestinationRule asks for them. Pure.
 */
import { isIPv4, isIPv6 } from '../../manifest/address';
import { ipBytes, ipText, unmapped, type PeerAddress } from './ip';

export type { PeerAddress } from './ip';

/** A v1 header is at most 107 bytes, CRLF included. */
export const PROXY_V1_MAX_BYTES = 107;
/** A v2 header: 16 bytes, then at most this many (addresses, 216 for Unix sockets, plus TLVs). */
export const PROXY_V2_MAX_PAYLOAD = 1024;
/** The most bytes a PROXY header may take. */
export const PROXY_MAX_BYTES = 16 + PROXY_V2_MAX_PAYLOAD;

/** Why a connection on an accept-proxy-protocol listener was closed (the `reason` label of tcpshift_proxy_protocol_rejected_total). */
export type ProxyReason = 'not_proxy' | 'invalid' | 'too_large' | 'timeout' | 'closed';

/** What the bytes so far say. `source`/`destination` are null for v2 LOCAL, v1 UNKNOWN and non-IP families: the socket's own addresses stand. */
export type ProxyVerdict =
  | { readonly kind: 'more' }
  | { readonly kind: 'header'; readonly version: 1 | 2; readonly length: number; readonly source: PeerAddress | null; readonly destination: PeerAddress | null }
  | { readonly kind: 'rejected'; readonly reason: 'not_proxy' | 'invalid' | 'too_large' };

const V2_SIGNATURE = Uint8Array.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Uint8Array.from(Buffer.from('PROXY ', 'latin1'));
const MORE: ProxyVerdict = Object.freeze({ kind: 'more' });
const reject = (reason: 'not_proxy' | 'invalid' | 'too_large'): ProxyVerdict => ({ kind: 'rejected', reason });

/** The verdict on the first bytes of a connection. */
export function readProxyHeader(buf: Uint8Array): ProxyVerdict {
  if (buf.length === 0) return MORE;
  if (buf[0] === V2_SIGNATURE[0]) return readV2(buf);
  if (buf[0] === V1_PREFIX[0]) return readV1(buf);
  return reject('not_proxy');
}

/** True while `buf` is a prefix of `sig` or starts with it (`full` then tells which). */
function startsWith(buf: Uint8Array, sig: Uint8Array): { ok: boolean; full: boolean } {
  const n = Math.min(buf.length, sig.length);
  for (let i = 0; i < n; i++) if (buf[i] !== sig[i]) return { ok: false, full: false };
  return { ok: true, full: buf.length >= sig.length };
}

function readV1(buf: Uint8Array): ProxyVerdict {
  const sig = startsWith(buf, V1_PREFIX);
  if (!sig.ok) return reject('not_proxy');
  if (!sig.full) return MORE;
  let end = -1;
  const limit = Math.min(buf.length, PROXY_V1_MAX_BYTES - 1); // the CR; its LF is byte 107 at most
  for (let i = V1_PREFIX.length; i < limit; i++) {
    if (buf[i] === 0x0a) return reject('invalid'); // LF without CR
    if (buf[i] !== 0x0d) continue;
    if (i + 1 >= buf.length) return MORE;
    if (buf[i + 1] !== 0x0a) return reject('invalid');
    end = i;
    break;
  }
  if (end < 0) return buf.length >= PROXY_V1_MAX_BYTES ? reject('too_large') : MORE;
  const line = Buffer.from(buf.subarray(0, end)).toString('latin1');
  const f = line.split(' ');
  const length = end + 2;
  if (f[1] === 'UNKNOWN') return { kind: 'header', version: 1, length, source: null, destination: null };
  if (f.length !== 6 || (f[1] !== 'TCP4' && f[1] !== 'TCP6')) return reject('invalid');
  const valid = f[1] === 'TCP4' ? isIPv4 : isIPv6;
  const [src, dst, sp, dp] = [f[2]!, f[3]!, port(f[4]!), port(f[5]!)];
  if (!valid(src) || !valid(dst) || sp === null || dp === null) return reject('invalid');
  return { kind: 'header', version: 1, length, source: { address: src, port: sp }, destination: { address: dst, port: dp } };
}

/** A decimal port 0–65535, or null. */
function port(s: string): number | null {
  if (!/^\d{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n <= 65535 ? n : null;
}

function readV2(buf: Uint8Array): ProxyVerdict {
  const sig = startsWith(buf, V2_SIGNATURE);
  if (!sig.ok) return reject('not_proxy');
  if (buf.length < 16) return MORE;
  const verCmd = buf[12]!;
  if (verCmd >> 4 !== 2) return reject('invalid');
  const command = verCmd & 0x0f;
  if (command > 1) return reject('invalid');
  const fam = buf[13]!;
  const len = (buf[14]! << 8) | buf[15]!;
  if (len > PROXY_V2_MAX_PAYLOAD) return reject('too_large');
  if (buf.length < 16 + len) return MORE;
  const length = 16 + len;
  const local = { kind: 'header', version: 2, length, source: null, destination: null } as const;
  if (command === 0) return local; // LOCAL: health checks and the like; the socket's own peer stands
  const family = fam >> 4;
  const transport = fam & 0x0f;
  if (family > 3 || transport > 2) return reject('invalid');
  const a = buf.subarray(16, 16 + len);
  const at = (i: number) => (a[i]! << 8) | a[i + 1]!;
  if (family === 1) {
    if (len < 12) return reject('invalid');
    return { kind: 'header', version: 2, length, source: { address: ipText(a.subarray(0, 4)), port: at(8) }, destination: { address: ipText(a.subarray(4, 8)), port: at(10) } };
  }
  if (family === 2) {
    if (len < 36) return reject('invalid');
    return { kind: 'header', version: 2, length, source: { address: ipText(a.subarray(0, 16)), port: at(32) }, destination: { address: ipText(a.subarray(16, 32)), port: at(34) } };
  }
  if (family === 3 && len < 216) return reject('invalid');
  return local; // UNSPEC or a Unix socket: no IP address to use
}

/** Both addresses in one family (an IPv4 one mapped into IPv6 when the other is IPv6); null when either is not an IP. */
function sameFamily(src: PeerAddress, dst: PeerAddress): { src: Uint8Array; dst: Uint8Array } | null {
  let s = ipBytes(unmapped(src.address));
  let d = ipBytes(unmapped(dst.address));
  if (s === null || d === null) return null;
  const mapped = (b: Uint8Array) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...b]);
  if (s.length !== d.length) {
    if (s.length === 4) s = mapped(s);
    else d = mapped(d);
  }
  return { src: s, dst: d };
}

/** The v1 header for a client `src` that connected to `dst` (`PROXY UNKNOWN` when either is unknown). */
export function proxyHeaderV1(src: PeerAddress | null, dst: PeerAddress | null): Buffer {
  const f = src !== null && dst !== null ? sameFamily(src, dst) : null;
  if (f === null) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  const tcp = f.src.length === 4 ? 'TCP4' : 'TCP6';
  return Buffer.from(`PROXY ${tcp} ${ipText(f.src)} ${ipText(f.dst)} ${src!.port} ${dst!.port}\r\n`, 'latin1');
}

/** The v2 header (command PROXY, TCP over IPv4 or IPv6; AF_UNSPEC when either address is unknown). */
export function proxyHeaderV2(src: PeerAddress | null, dst: PeerAddress | null): Buffer {
  const f = src !== null && dst !== null ? sameFamily(src, dst) : null;
  const addrLen = f === null ? 0 : f.src.length * 2 + 4;
  const out = Buffer.alloc(16 + addrLen);
  out.set(V2_SIGNATURE, 0);
  out[12] = 0x21; // version 2, PROXY
  out[13] = f === null ? 0x00 : f.src.length === 4 ? 0x11 : 0x21;
  out.writeUInt16BE(addrLen, 14);
  if (f !== null) {
    out.set(f.src, 16);
    out.set(f.dst, 16 + f.src.length);
    out.writeUInt16BE(src!.port, 16 + f.src.length * 2);
    out.writeUInt16BE(dst!.port, 18 + f.src.length * 2);
  }
  return out;
}

/** The header `version` asks for. */
export function proxyHeader(version: 'V1' | 'V2', src: PeerAddress | null, dst: PeerAddress | null): Buffer {
  return version === 'V1' ? proxyHeaderV1(src, dst) : proxyHeaderV2(src, dst);
}
