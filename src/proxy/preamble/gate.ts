/**
 * The accept path's preamble phase: reads what a socket needs before routing (a PROXY header, a
 * ClientHello) through the transport, bounded in bytes and time, then hands the client on with the
 * entry it picked and what was read — or closes it, counted. Also builds the PROXY header an
 * endpoint gets.
 */
import type { Logger } from 'pino';
import type { Counters } from '../counters';
import type { ListenerRuntime, SocketRuntime } from '../runtime';
import type { Transport } from '../transport';
import { judgePreamble, preambleMax, type Preamble } from './judge';
import { proxyHeader, type PeerAddress } from './proxy-protocol';
import { PreambleRejections } from './rejections';

/** A connection's preamble as routing uses it: the verdict (addresses, SNI, bytes to drop) and the bytes read. */
export type Read = Extract<Preamble, { kind: 'done' }> & { readonly bytes: Uint8Array };

/** Clients in their preamble phase, for one proxy. */
export class PreambleGate {
  /** Clients whose preamble is being read (closed at shutdown). */
  private readonly reading = new Set<unknown>();
  private readonly rejections: PreambleRejections;

  constructor(private readonly transport: Transport, stats: Counters, log: Logger, private readonly timeoutMs: number) {
    this.rejections = new PreambleRejections(stats, log);
  }

  /**
   * Reads `client`'s preamble on `sock`, then calls `route` with the entry it picked, or closes it
   * (counted) when no entry takes it, the read failed, or `closing()` says the proxy is shutting down.
   */
  read(sock: SocketRuntime, client: unknown, closing: () => boolean, route: (entry: ListenerRuntime, client: unknown, read: Read) => void): void {
    const needs = { proxy: sock.acceptProxy, tls: sock.sni !== null };
    const t = this.transport;
    this.reading.add(client);
    t.preamble(client, preambleMax(needs), this.timeoutMs, (bytes, end) => {
      const v = judgePreamble(needs, bytes, end);
      if (v.kind === 'more') return false;
      this.reading.delete(client);
      if (closing()) {
        t.reject(client);
        return true;
      }
      if (v.kind === 'proxy_rejected') this.rejections.proxy(sock.key, v.reason);
      else if (v.kind === 'sni_rejected') this.rejections.sni(sock.key, v.reason, null);
      else if (t.gone(client)) {
        // Everything needed came, but the client has gone already (it reset or closed).
        if (needs.tls) this.rejections.sni(sock.key, 'closed', v.sni);
        else this.rejections.proxy(sock.key, 'closed');
      } else {
        const entry = sock.sni === null ? sock.entry : sock.sni.pick(v.sni);
        if (entry !== null) {
          route(entry, client, { ...v, bytes });
          return true;
        }
        this.rejections.sni(sock.key, v.sni === null ? 'no_sni' : 'no_match', v.sni);
      }
      t.reject(client);
      return true;
    });
  }

  /** Closes every client still in its preamble (shutdown). */
  rejectAll(): void {
    for (const client of this.reading) this.transport.reject(client);
    this.reading.clear();
  }

  /** The PROXY header for an endpoint: the client and the address it connected to, as an inbound header said or the socket does. */
  outgoingHeader(version: 'V1' | 'V2', client: unknown, read: Read | null): Uint8Array {
    let source: PeerAddress | null = read?.source ?? null;
    let destination: PeerAddress | null = read?.destination ?? null;
    if (source === null || destination === null) {
      const own = this.transport.addresses(client);
      source = own?.source ?? null;
      destination = own?.destination ?? null;
    }
    return proxyHeader(version, source, destination);
  }
}
