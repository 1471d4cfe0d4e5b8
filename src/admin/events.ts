/**
 * Server-Sent Events for the web view (`GET /events`): a `snapshot` event (status, proxy, the 15-minute
 * series) when a client connects, a `status` event whenever the reconcile status changes, and a `tick` event every
 * second (connection counters and the last second's sample). One timer samples the proxy once a second
 * for every client; each event is serialized once and written to every stream. Off the connection path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ProxySnapshot } from '../proxy/snapshot';
import { oncePer } from './budget';
import { Series, type RouteSeries } from './series';

/** At most this many event streams at once (each also counts against the admin connection cap). */
export const MAX_SSE_CLIENTS = 16;
/** A stream whose unsent output grows past this (a client that stopped reading) is closed. */
const MAX_BUFFERED_BYTES = 1 << 20;
const TICK_MS = 1000;

/** What the stream reads: the reconcile status, the proxy's counters, and whether mutations need a token. */
export interface EventSources {
  status(): object;
  snapshot(): ProxySnapshot;
  readonly tokenRequired: boolean;
}

/** The first event of a stream. */
export interface SnapshotEvent {
  readonly at: number;
  readonly tokenRequired: boolean;
  readonly status: object;
  readonly proxy: ProxySnapshot;
  readonly series: RouteSeries[];
}

/** Sent when the reconcile status changed (after a run, or a run's step, seen at the next tick). */
export interface StatusEvent {
  readonly at: number;
  readonly status: object;
  /** The proxy too: a new table's weights are on the page with its status. */
  readonly proxy: ProxySnapshot;
}

/** The 1 s event: counters now and the sample of the last second. */
export interface TickEvent {
  readonly at: number;
  readonly proxy: ProxySnapshot;
  readonly series: RouteSeries[];
}

/** The SSE fan-out and the once-a-second sampler behind it. */
export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly series = new Series();
  private timer: NodeJS.Timeout | null = null;
  private lastStatus = '';
  private readonly refused: () => void;

  constructor(private readonly src: EventSources, log: Logger, private readonly maxClients = MAX_SSE_CLIENTS, private readonly tickMs = TICK_MS) {
    this.refused = oncePer(1000, (suppressed) => log.warn({ maxClients, suppressed }, 'event stream refused: too many open'));
  }

  /** Starts sampling once a second (the series fills whether or not a page is open). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  /** Stops sampling and ends every stream (cleanly: the browser then reconnects after `retry`). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  /** How many streams are open. */
  get size(): number {
    return this.clients.size;
  }

  /** Serves `GET /events`: 503 past the cap, else a stream that starts with a snapshot. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.clients.size >= this.maxClients) {
      this.refused();
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      res.end(`at most ${this.maxClients} event streams at once; close a page or try again\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    // How long the browser waits before reconnecting after the stream ends (a restart).
    res.write('retry: 1000\n\n');
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    res.on('close', drop);
    res.on('error', drop);
    req.socket.setNoDelay(true);
    this.write(res, frame('snapshot', this.snapshotEvent()));
  }

  /** Pushes the status now when it changed since the last one sent (called after every run, and every tick). */
  statusChanged(): void {
    if (this.clients.size === 0) return;
    const status = this.src.status();
    const text = JSON.stringify(status);
    if (text === this.lastStatus) return;
    this.lastStatus = text;
    this.broadcast(frame('status', { at: Date.now(), status, proxy: this.src.snapshot() } satisfies StatusEvent));
  }

  private tick(): void {
    const proxy = this.src.snapshot();
    const at = Date.now();
    this.series.sample(proxy, at);
    if (this.clients.size === 0) return;
    this.statusChanged();
    this.broadcast(frame('tick', { at, proxy, series: this.series.window(1) } satisfies TickEvent));
  }

  private snapshotEvent(): SnapshotEvent {
    const status = this.src.status();
    // A new stream gets the status now; the others were sent it when it changed.
    if (this.clients.size === 1) this.lastStatus = JSON.stringify(status);
    return { at: Date.now(), tokenRequired: this.src.tokenRequired, status, proxy: this.src.snapshot(), series: this.series.all() };
  }

  private broadcast(text: string): void {
    for (const res of this.clients) this.write(res, text);
  }

  private write(res: ServerResponse, text: string): void {
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      res.destroy();
      this.clients.delete(res);
      return;
    }
    res.write(text);
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
