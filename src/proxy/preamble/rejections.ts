/**
 * Connections closed before they were routed, because of what they sent first: no SNI route took
 * them, or no valid PROXY header came. Counted per socket and reason; logged at most once every
 * LOG_INTERVAL_MS per kind (clients trigger these, so a flood of them is one line, not many).
 */
import type { Logger } from 'pino';
import type { Counters } from '../counters';
import type { SniReason } from './client-hello';
import type { ProxyReason } from './proxy-protocol';

const LOG_INTERVAL_MS = 10_000;

/** Counts and (rate-limited) logs preamble rejections. */
export class PreambleRejections {
  private readonly last = { sni: -Infinity, proxy: -Infinity };
  private readonly unlogged = { sni: 0, proxy: 0 };

  constructor(private readonly stats: Counters, private readonly log: Logger) {}

  /** A TLS connection on socket `listener` closed: no entry for its SNI (`sni`, when it named one), or no hello read. */
  sni(listener: string, reason: SniReason, sni: string | null): void {
    this.stats.sniUnmatched.add(listener, reason);
    this.note('sni', { listener, reason, ...(sni !== null ? { sni } : {}) }, 'TLS connections closed: no SNI route took them (tcpshift_sni_unmatched_total)');
  }

  /** A connection on accept-proxy-protocol socket `listener` closed without a valid PROXY header. */
  proxy(listener: string, reason: ProxyReason): void {
    this.stats.proxyProtocolRejected.add(listener, reason);
    this.note('proxy', { listener, reason }, 'connections closed: no valid PROXY protocol header (tcpshift_proxy_protocol_rejected_total)');
  }

  private note(kind: 'sni' | 'proxy', fields: Record<string, unknown>, message: string): void {
    this.unlogged[kind]++;
    const now = performance.now();
    if (now - this.last[kind] < LOG_INTERVAL_MS) return;
    this.last[kind] = now;
    this.log.info({ ...fields, count: this.unlogged[kind] }, message);
    this.unlogged[kind] = 0;
  }
}
