/**
 * Reads the SNI of a TLS ClientHello without terminating TLS (pure: bytes in, a verdict out). The
 * handshake message may be split over several TLS records and those over several reads: call
 * again with everything read so far until the verdict is not `more`. Bounded by
 * CLIENT_HELLO_MAX_BYTES; the bytes are never changed (the caller forwards them as read).
 */

/** The most bytes read while looking for a ClientHello (records included). */
export const CLIENT_HELLO_MAX_BYTES = 16 * 1024;
/** How long a client may take to send its ClientHello (and a PROXY header before it). */
export const PREAMBLE_TIMEOUT_MS = 5000;

/** Why no SNI route could be read or chosen (the `reason` label of tcpshift_sni_unmatched_total). */
export type SniReason = 'no_match' | 'no_sni' | 'not_tls' | 'timeout' | 'too_large' | 'closed';

/** What the bytes so far say. `sni` is lower-case without a trailing dot; null when the hello names none. */
export type HelloVerdict =
  | { readonly kind: 'more' }
  | { readonly kind: 'hello'; readonly sni: string | null }
  | { readonly kind: 'not_tls' }
  | { readonly kind: 'too_large' };

const MORE: HelloVerdict = Object.freeze({ kind: 'more' });
const NOT_TLS: HelloVerdict = Object.freeze({ kind: 'not_tls' });
const TOO_LARGE: HelloVerdict = Object.freeze({ kind: 'too_large' });

const RECORD_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0;
const NAME_HOST = 0;
/** TLS plaintext records are at most 2^14 bytes. */
const MAX_RECORD = 1 << 14;

/**
 * The verdict on `buf`, the first bytes a client sent (starting at `offset`, e.g. after a PROXY
 * header). `max` bounds the bytes a complete ClientHello may take from `offset`.
 */
export function readClientHello(buf: Uint8Array, offset = 0, max = CLIENT_HELLO_MAX_BYTES): HelloVerdict {
  // The handshake message, gathered from consecutive handshake records (usually one).
  const parts: Uint8Array[] = [];
  let got = 0;
  let msgLen = -1;
  let pos = offset;
  for (;;) {
    if (buf.length - pos < 5) {
      if (buf.length - offset >= max) return TOO_LARGE;
      return pos === offset ? firstBytes(buf, offset) : MORE;
    }
    if (buf[pos] !== RECORD_HANDSHAKE || buf[pos + 1] !== 3 || buf[pos + 2]! > 4) return NOT_TLS;
    const recLen = (buf[pos + 3]! << 8) | buf[pos + 4]!;
    if (recLen === 0 || recLen > MAX_RECORD) return NOT_TLS;
    if (pos + 5 + recLen - offset > max) return TOO_LARGE;
    if (parts.length === 0 && recLen >= 4 && buf.length >= pos + 9) {
      // The message header is in: refuse what is not a ClientHello or too long before it is all read.
      if (buf[pos + 5] !== HANDSHAKE_CLIENT_HELLO) return NOT_TLS;
      if (((buf[pos + 6]! << 16) | (buf[pos + 7]! << 8) | buf[pos + 8]!) + 4 > max) return TOO_LARGE;
    }
    if (buf.length < pos + 5 + recLen) return MORE;
    const frag = buf.subarray(pos + 5, pos + 5 + recLen);
    pos += 5 + recLen;
    if (parts.length === 0 && frag[0] !== HANDSHAKE_CLIENT_HELLO) return NOT_TLS;
    parts.push(frag);
    got += frag.length;
    if (msgLen < 0 && got >= 4) {
      const head = joined(parts);
      msgLen = (head[1]! << 16) | (head[2]! << 8) | head[3]!;
      if (msgLen + 4 > max) return TOO_LARGE;
    }
    if (msgLen >= 0 && got >= msgLen + 4) return parseHello(joined(parts).subarray(4, 4 + msgLen));
  }
}

/** The fragments as one array (the only one, without a copy, in the common case). */
function joined(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Fewer than 5 bytes: `more`, unless what is there already cannot start a TLS handshake record. */
function firstBytes(buf: Uint8Array, offset: number): HelloVerdict {
  const n = buf.length - offset;
  if (n >= 1 && buf[offset] !== RECORD_HANDSHAKE) return NOT_TLS;
  if (n >= 2 && buf[offset + 1] !== 3) return NOT_TLS;
  return MORE;
}

/** The SNI of a complete ClientHello body (after the 4-byte handshake header). */
function parseHello(b: Uint8Array): HelloVerdict {
  let p = 2 + 32; // client_version, random
  if (p >= b.length) return NOT_TLS;
  p += 1 + b[p]!; // session_id
  if (p + 2 > b.length) return NOT_TLS;
  p += 2 + ((b[p]! << 8) | b[p + 1]!); // cipher_suites
  if (p >= b.length) return NOT_TLS;
  p += 1 + b[p]!; // compression_methods
  if (p > b.length) return NOT_TLS;
  if (p === b.length) return { kind: 'hello', sni: null }; // no extensions
  if (p + 2 > b.length) return NOT_TLS;
  const end = p + 2 + ((b[p]! << 8) | b[p + 1]!);
  if (end > b.length) return NOT_TLS;
  p += 2;
  while (p + 4 <= end) {
    const type = (b[p]! << 8) | b[p + 1]!;
    const len = (b[p + 2]! << 8) | b[p + 3]!;
    p += 4;
    if (p + len > end) return NOT_TLS;
    if (type === EXT_SERVER_NAME) return { kind: 'hello', sni: hostName(b.subarray(p, p + len)) };
    p += len;
  }
  return { kind: 'hello', sni: null };
}

/** The host_name of a server_name extension body, lower-cased; null when it has none or it is not a DNS name. */
function hostName(ext: Uint8Array): string | null {
  if (ext.length < 2) return null;
  const end = Math.min(ext.length, 2 + ((ext[0]! << 8) | ext[1]!));
  let p = 2;
  while (p + 3 <= end) {
    const type = ext[p]!;
    const len = (ext[p + 1]! << 8) | ext[p + 2]!;
    p += 3;
    if (p + len > end) return null;
    if (type === NAME_HOST) return dnsName(ext.subarray(p, p + len));
    p += len;
  }
  return null;
}

/** `bytes` as a lower-case DNS name (letters, digits, `-`, `_`, `.`), trailing dot dropped; null otherwise. */
function dnsName(bytes: Uint8Array): string | null {
  let s = '';
  for (const c of bytes) {
    const lower = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
    const ok = (lower >= 0x61 && lower <= 0x7a) || (lower >= 0x30 && lower <= 0x39) || lower === 0x2d || lower === 0x2e || lower === 0x5f;
    if (!ok) return null;
    s += String.fromCharCode(lower);
  }
  if (s.endsWith('.')) s = s.slice(0, -1);
  return s.length === 0 ? null : s;
}
