/**
 * Errors of this host, not of a backend: a listener that cannot accept (out of descriptors, out of
 * buffers) and a dial that fails before it reaches the network (EMFILE, ENFILE, EADDRNOTAVAIL,
 * ENOBUFS, ENOMEM). They are counted per reason and logged at most once a second (a flood of
 * clients must not become a flood of log lines); a local dial error never feeds outlier detection.
 */
import type { Logger } from 'pino';
import type { ReasonCounts } from './counters';

/** Dial errors that say something about this host, not about the endpoint dialled. */
const LOCAL_CONNECT_ERRORS: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'ENOMEM']);

/** True when a dial that failed with `code` must not be blamed on the endpoint. */
export function isLocalConnectError(code: string | null | undefined): code is string {
  return code !== null && code !== undefined && LOCAL_CONNECT_ERRORS.has(code);
}

/** Counts one kind of local error per reason and warns about it at most once per `intervalMs`. */
export class LocalErrors {
  private lastWarn = -Infinity;
  private unlogged = 0;

  constructor(
    private readonly counts: ReasonCounts,
    private readonly log: Logger,
    private readonly message: string,
    private readonly intervalMs = 1000,
  ) {}

  /** Records `n` occurrences of `reason`; `fields` go into the (rate-limited) warning. */
  record(reason: string, n: number, fields: Record<string, unknown>): void {
    this.counts.add(reason, n);
    this.unlogged += n;
    const now = performance.now();
    if (now - this.lastWarn < this.intervalMs) return;
    this.lastWarn = now;
    this.log.warn({ ...fields, reason, count: this.unlogged }, this.message);
    this.unlogged = 0;
  }
}
