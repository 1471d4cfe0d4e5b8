/**
 * What a socket's first bytes decide (pure): the PROXY header first (on accept-proxy-protocol
 * listeners), then the ClientHello (on TLS passthrough sockets). Called with everything read so
 * far and how the read stopped, until the verdict is not `more`.
 */
import { CLIENT_HELLO_MAX_BYTES, readClientHello, type SniReason } from './client-hello';
import { PROXY_MAX_BYTES, readProxyHeader, type PeerAddress, type ProxyReason } from './proxy-protocol';

/** What a socket reads before it routes. */
export interface PreambleNeeds {
  /** A PROXY header first (acceptProxyProtocol). */
  readonly proxy: boolean;
  /** Then a ClientHello (a TLS passthrough socket). */
  readonly tls: boolean;
}

/** Why the read stopped: null = it may go on; `full` = `preambleMax` bytes were read. */
export type PreambleEnd = null | 'eof' | 'timeout' | 'full';

/** The verdict on a socket's first bytes. */
export type Preamble =
  | { readonly kind: 'more' }
  | { readonly kind: 'sni_rejected'; readonly reason: Exclude<SniReason, 'no_match' | 'no_sni'> }
  | { readonly kind: 'proxy_rejected'; readonly reason: ProxyReason }
  | {
      readonly kind: 'done';
      /** Bytes of PROXY header to drop (never forwarded); the rest goes to the upstream as read. */
      readonly discard: number;
      /** The client and the address it connected to, as the PROXY header says; null = the socket's own. */
      readonly source: PeerAddress | null;
      readonly destination: PeerAddress | null;
      /** The ClientHello's SNI (null: none, or not a TLS socket). */
      readonly sni: string | null;
    };

const MORE: Preamble = Object.freeze({ kind: 'more' });

/** The most bytes read before routing a socket with `needs`. */
export function preambleMax(needs: PreambleNeeds): number {
  return (needs.proxy ? PROXY_MAX_BYTES : 0) + (needs.tls ? CLIENT_HELLO_MAX_BYTES : 0);
}

/** The verdict on `buf`, read so far, the read having stopped because of `end`. */
export function judgePreamble(needs: PreambleNeeds, buf: Uint8Array, end: PreambleEnd): Preamble {
  let discard = 0;
  let source: PeerAddress | null = null;
  let destination: PeerAddress | null = null;
  if (needs.proxy) {
    const h = readProxyHeader(buf);
    if (h.kind === 'rejected') return { kind: 'proxy_rejected', reason: h.reason };
    if (h.kind === 'more') return end === null ? MORE : { kind: 'proxy_rejected', reason: stopped(end) };
    discard = h.length;
    source = h.source;
    destination = h.destination;
  }
  let sni: string | null = null;
  if (needs.tls) {
    const v = readClientHello(buf, discard);
    if (v.kind === 'not_tls' || v.kind === 'too_large') return { kind: 'sni_rejected', reason: v.kind };
    if (v.kind === 'more') return end === null ? MORE : { kind: 'sni_rejected', reason: stopped(end) };
    sni = v.sni;
  }
  return { kind: 'done', discard, source, destination, sni };
}

function stopped(end: Exclude<PreambleEnd, null>): 'closed' | 'timeout' | 'too_large' {
  return end === 'eof' ? 'closed' : end === 'full' ? 'too_large' : 'timeout';
}
