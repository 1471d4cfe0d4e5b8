/**
 * Long-lived connections (issue 10): 200 clients each holding one connection and sending a line
 * every 100–500 ms (reconnecting when closed) through an in-process TcpProxy at 100/0; then a table
 * swap to 50/50 — the table a commit compiles to — with `connections.rebalance` on, and again
 * with it off. Measured: time until the active split is within ±5 points of 50/50, messages lost
 * (sent and never answered), messages in flight when their connection closed (each is resent on
 * the new connection), and connections closed. Both data paths, one after the other (only the
 * JavaScript one when the addon is not built or TCPSHIFT_NATIVE=0, as for `tcpshift
 * run` does. The clients run on a worker thread (their own event loop, as separate clients would).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { withConnectionPolicies } from '../src/model/connections';
import { deepFreeze } from '../src/model/freeze';
import { DEFAULT_POLICY, type ConnectionPolicy, type RoutingTable } from '../src/model/types';
import { startEcho } from '../src/echo/server';
import { nativeBinding } from '../src/proxy/native/binding';
import { TcpProxy } from '../src/proxy/proxy';
import type { ClientTotals } from './longlived-clients';
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

async function runOnce(o: LonglivedOptions, rebalance: boolean, dataPath: 'native' | 'js', log: (m: string) => void): Promise<LonglivedRun> {
  const [v1, v2] = await Promise.all([startEcho([0], 'one'), startEcho([0], 'two')]);
  const [port] = await freePorts(1);
  const proxy = new TcpProxy({ logger: pino({ level: 'silent' }), maxConnections: o.clients * 4, dataPath });
  const policy = { ...o.policy, rebalance };
  const at = (w1: number, w2: number) => withConnectionPolicies(table(port!, v1.ports[0]!, v2.ports[0]!, w1, w2), () => policy);
  const worker = new Worker(join(__dirname, 'longlived-clients.js'), { workerData: { port, clients: o.clients } });
  const messages: ClientTotals[] = [];
  const waiting: ((m: ClientTotals) => void)[] = [];
  worker.on('message', (m: ClientTotals) => {
    const w = waiting.shift();
    if (w !== undefined) w(m);
    else messages.push(m);
  });
  worker.on('error', (err) => log(`longlived clients failed: ${err.message}`));
  const next = () => new Promise<ClientTotals>((resolve) => {
    const m = messages.shift();
    if (m !== undefined) resolve(m);
    else waiting.push(resolve);
  });
  try {
    await proxy.swap(at(100, 0));
    await next(); // every client connected
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
    worker.postMessage('stop');
    const totals = await next();
    const counts = proxy.counters().destinations;
    const closedByProxy = counts.reduce((n, d) => n + d.expired + d.rebalanced.rebalance + d.rebalanced.drain + d.rebalanced.drain_after, 0);
    const run: LonglivedRun = {
      rebalance, dataPath: proxy.dataPath, clients: o.clients, convergeMs, finalV2Percent, closedByProxy,
      messagesSent: totals.sent, messagesLost: totals.lost, closedInFlight: totals.inFlightAtClose,
    };
    log(`longlived rebalance ${rebalance ? 'on ' : 'off'} (${run.dataPath}): ${convergeMs === null ? `not within ±5 points in ${o.watchS} s` : `within ±5 points after ${(convergeMs / 1000).toFixed(2)} s`}, v2 ${finalV2Percent.toFixed(1)} %, closed ${closedByProxy}, messages ${run.messagesSent} sent / ${run.messagesLost} lost / ${run.closedInFlight} closed in flight`);
    return run;
  } finally {
    await worker.terminate();
    await proxy.close(1000);
    await Promise.all([v1.close(), v2.close()]);
  }
}

/** Rebalance on, then off, on each data path (native first, when the addon is built). */
export async function measureLonglived(o: LonglivedOptions, log: (m: string) => void): Promise<LonglivedResult> {
  const runs: LonglivedRun[] = [];
  for (const path of nativeBinding() !== null ? (['native', 'js'] as const) : (['js'] as const)) {
    runs.push(await runOnce(o, true, path, log), await runOnce({ ...o, watchS: Math.min(o.watchS, 10) }, false, path, log));
  }
  return { policy: o.policy, runs };
}

/** The RESULTS.md section. */
export function renderLonglived(r: LonglivedResult): string[] {
  const p = r.policy;
  const out = [
    '## Long-lived connections (issue 10)', '',
    `${r.runs[0]?.clients ?? 0} clients, each holding one connection and sending a line every 100–500 ms (reconnecting and resending when closed), at 100/0; then a swap to 50/50. Rebalance policy: maxClosesPerSecond ${p.maxClosesPerSecond}, closeWhenIdleFor ${p.closeWhenIdleForMs} ms. Clients run on a worker thread of the bench process.`, '',
    '| Rebalance | Data path | Active split within ±5 points of 50/50 | v2 share at the end | Closed by the proxy | Messages sent | Lost | Closed in flight |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const x of r.runs) {
    out.push(`| ${x.rebalance ? 'on' : 'off'} | ${x.dataPath} | ${x.convergeMs === null ? 'never' : `${(x.convergeMs / 1000).toFixed(2)} s`} | ${x.finalV2Percent.toFixed(1)} % | ${x.closedByProxy} | ${x.messagesSent} | ${x.messagesLost} | ${x.closedInFlight} |`);
  }
  out.push('');
  return out;
}
