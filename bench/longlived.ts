/**
 * Long-lived connections (issue 10): 200 clients each holding one connection and sending a line
 * every 100–500 ms (reconnecting when closed) through an in-process Proxy at 100/0; then a table
 * swap to 50/50 — the table a commit compiles to — with `connections.rebalance` on, and again
 * with it off. Measured: time until the active split is within ±5 points of 50/50, messages lost
 * (sent and never answered), messages in flight when their connection closed (each is resent on
 * the new connection), and connections closed. The data path follows TCPSHIFT_NATIVE as `tcpshift
 * run` does. Clients run in the same process as the proxy (one event loop for both).
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { withConnectionPolicies } from '../src/model/connections';
import { deepFreeze } from '../src/model/freeze';
import { DEFAULT_POLICY, type ConnectionPolicy, type RoutingTable } from '../src/model/types';
import { startEcho } from '../src/proxy/echo';
import { Proxy } from '../src/proxy/proxy';
import { freePorts, sleep } from './net';

export interface LonglivedRun {
  rebalance: boolean;
  dataPath: 'native' | 'js';
  clients: number;
  /** ms from the swap until the active split was within ±5 points of the weights; null = not within `watchS`. */
  convergeMs: number | null;
  /** v2's share of open connections when the run ended. */
  finalV2Percent: number;
  closedByProxy: number;
  messagesSent: number;
  messagesLost: number;
  closedInFlight: number;
}

export interface LonglivedResult { policy: Omit<ConnectionPolicy, 'rebalance'>; runs: LonglivedRun[] }

export interface LonglivedOptions { readonly clients: number; readonly watchS: number; readonly policy: Omit<ConnectionPolicy, 'rebalance'> }

export const LONGLIVED_DEFAULTS: LonglivedOptions = {
  clients: 200, watchS: 30,
  policy: { maxClosesPerSecond: 50, closeWhenIdleForMs: 50, drainAfterMs: 0, stickiness: 'none' },
};

function table(port: number, v1: number, v2: number, w1: number, w2: number): RoutingTable {
  const d = (subset: string, weight: number, ep: number) => ({
    key: `tcp-echo|${subset}|9000`, host: 'tcp-echo', subset, port: 9000, weight, percent: (weight / (w1 + w2)) * 100,
    service: 'tcp-echo', version: subset, policy: DEFAULT_POLICY,
    endpoints: [{ key: `127.0.0.1:${ep}`, address: '127.0.0.1', port: ep, weight: 1, labels: { version: subset } }],
  });
  return deepFreeze({ listeners: [{
    key: `127.0.0.1:${port}`, address: '127.0.0.1', port, gateway: 'bench/gw', portName: 'tcp',
    route: { virtualService: 'bench/longlived', rule: 0, destinations: [d('v1', w1, v1), d('v2', w2, v2)] },
  }] });
}

/** One client: a line every 100–500 ms, one at a time; on close, reconnects and resends what was unanswered. */
class Client {
  sent = 0;
  answered = 0;
  inFlightAtClose = 0;
  private outstanding: string | null = null;
  private socket: net.Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private buf = '';
  private seq = 0;

  constructor(private readonly port: number, private readonly id: number) {}

  connect(): Promise<void> {
    return new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: this.port });
      this.socket = s;
      s.setEncoding('utf8');
      s.on('error', () => undefined);
      s.on('connect', () => {
        if (this.outstanding !== null) s.write(`${this.outstanding}\n`);
        else this.schedule();
        resolve();
      });
      s.on('data', (chunk: string) => this.onData(chunk));
      s.on('close', () => {
        if (this.timer !== null) clearTimeout(this.timer);
        if (this.outstanding !== null) this.inFlightAtClose++;
        this.buf = '';
        resolve();
        if (!this.stopped) setTimeout(() => void this.connect(), 5);
      });
    });
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl = this.buf.indexOf('\n');
    while (nl >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (this.outstanding !== null && line.endsWith(` ${this.outstanding}`)) {
        this.outstanding = null;
        this.answered++;
        if (!this.stopped) this.schedule();
      }
      nl = this.buf.indexOf('\n');
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      const s = this.socket;
      if (s === null || s.destroyed || this.outstanding !== null) return;
      this.outstanding = `c${this.id}-${++this.seq}`;
      this.sent++;
      s.write(`${this.outstanding}\n`);
    }, 100 + Math.random() * 400);
  }

  /** Stops sending; resolves once the last line is answered (or after 3 s). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    const end = Date.now() + 3000;
    while (this.outstanding !== null && Date.now() < end) await sleep(10);
    this.socket?.destroy();
  }

  get lost(): number {
    return this.sent - this.answered;
  }
}

async function runOnce(o: LonglivedOptions, rebalance: boolean, log: (m: string) => void): Promise<LonglivedRun> {
  const [v1, v2] = await Promise.all([startEcho([0], 'one'), startEcho([0], 'two')]);
  const [port] = await freePorts(1);
  const proxy = new Proxy({ logger: pino({ level: 'silent' }), maxConnections: o.clients * 4 });
  const policy = { ...o.policy, rebalance };
  const at = (w1: number, w2: number) => withConnectionPolicies(table(port!, v1.ports[0]!, v2.ports[0]!, w1, w2), () => policy);
  const clients: Client[] = [];
  try {
    await proxy.swap(at(100, 0));
    for (let i = 0; i < o.clients; i++) {
      const c = new Client(port!, i);
      clients.push(c);
      await c.connect();
    }
    await sleep(1000);
    const share = () => {
      const r = proxy.snapshot().listeners[0]!.route;
      const n = r.activeConnections ?? 0;
      const two = r.destinations.find((d) => d.version === 'v2')?.listenerActive ?? 0;
      return n === 0 ? 0 : (two / n) * 100;
    };
    const t0 = performance.now();
    await proxy.swap(at(50, 50));
    let convergeMs: number | null = null;
    while (performance.now() - t0 < o.watchS * 1000) {
      if (convergeMs === null && Math.abs(share() - 50) <= 5) {
        convergeMs = performance.now() - t0;
        if (rebalance) break;
      }
      await sleep(20);
    }
    if (rebalance) await sleep(2000);
    const finalV2Percent = share();
    await Promise.all(clients.map((c) => c.stop()));
    const counts = proxy.counters().destinations;
    const closedByProxy = counts.reduce((n, d) => n + d.expired + d.rebalanced.rebalance + d.rebalanced.drain + d.rebalanced.drain_after, 0);
    const run: LonglivedRun = {
      rebalance, dataPath: proxy.dataPath, clients: o.clients, convergeMs, finalV2Percent, closedByProxy,
      messagesSent: clients.reduce((n, c) => n + c.sent, 0),
      messagesLost: clients.reduce((n, c) => n + c.lost, 0),
      closedInFlight: clients.reduce((n, c) => n + c.inFlightAtClose, 0),
    };
    log(`longlived rebalance ${rebalance ? 'on ' : 'off'} (${run.dataPath}): ${convergeMs === null ? `not within ±5 points in ${o.watchS} s` : `within ±5 points after ${(convergeMs / 1000).toFixed(2)} s`}, v2 ${finalV2Percent.toFixed(1)} %, closed ${closedByProxy}, messages ${run.messagesSent} sent / ${run.messagesLost} lost / ${run.closedInFlight} closed in flight`);
    return run;
  } finally {
    for (const c of clients) await c.stop();
    await proxy.close(1000);
    await Promise.all([v1.close(), v2.close()]);
  }
}

/** Both runs: rebalance on, then off. */
export async function measureLonglived(o: LonglivedOptions, log: (m: string) => void): Promise<LonglivedResult> {
  const runs = [await runOnce(o, true, log), await runOnce({ ...o, watchS: Math.min(o.watchS, 10) }, false, log)];
  return { policy: o.policy, runs };
}

/** The RESULTS.md section. */
export function renderLonglived(r: LonglivedResult): string[] {
  const p = r.policy;
  const out = [
    '## Long-lived connections (issue 10)', '',
    `${r.runs[0]?.clients ?? 0} clients, each holding one connection and sending a line every 100–500 ms (reconnecting and resending when closed), at 100/0; then a swap to 50/50. Rebalance policy: maxClosesPerSecond ${p.maxClosesPerSecond}, closeWhenIdleFor ${p.closeWhenIdleForMs} ms. Clients and proxy share one process.`, '',
    '| Rebalance | Data path | Active split within ±5 points of 50/50 | v2 share at the end | Closed by the proxy | Messages sent | Lost | Closed in flight |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const x of r.runs) {
    out.push(`| ${x.rebalance ? 'on' : 'off'} | ${x.dataPath} | ${x.convergeMs === null ? 'never' : `${(x.convergeMs / 1000).toFixed(2)} s`} | ${x.finalV2Percent.toFixed(1)} % | ${x.closedByProxy} | ${x.messagesSent} | ${x.messagesLost} | ${x.closedInFlight} |`);
  }
  out.push('');
  return out;
}
