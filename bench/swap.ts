/**
 * Table swap cost: parse + compile + diff + swap of a 1,000-route table in-process (the same code
 * `tcpshift run` uses), and connection failures of the real process while its repo changes every
 * 100 ms under full load.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { diff } from '../src/diff/diff';
import { parseManifests } from '../src/manifest/parse';
import { DEFAULT_LIMITS, type ManifestFile } from '../src/manifest/types';
import { compile } from '../src/model/compile';
import { buildDesired } from '../src/model/desired';
import type { RoutingTable } from '../src/model/types';
import { TcpProxy } from '../src/proxy/proxy';
import { benchManifests, type BenchRoute } from './manifests';
import { freePorts, sleep } from './net';
import { cpuSeconds } from './proc-stats';
import { Repo } from './repo';
import { median } from './stats';
import { startTcpshift } from './tcpshift';
import { loadgen, type ConnResult } from './tools';
import { services, type Upstreams } from './targets';

const COMPILE = { gatewayLabels: { istio: 'ingressgateway' }, listenHost: '127.0.0.1' };

export interface SwapCost { routes: number; iterations: number; parseCompileMs: number; diffMs: number; swapMs: number; totalMs: number; compileOnlyMs: number }

/** `n` routes on the given listen ports; weights alternate with `variant` so every route changes. */
export function manyRoutes(ports: readonly number[], variant: number): BenchRoute[] {
  return ports.map((listen, i) => ({
    name: i === 0 ? 'echo' : `r${String(i).padStart(4, '0')}`, listen, host: i === 0 ? 'echo' : (i % 2 === 0 ? 'echo' : 'sink'),
    weights: variant % 2 === 0 ? [80, 20] : [70, 30],
  }));
}

function toFiles(files: Record<string, string>): ManifestFile[] {
  return Object.entries(files).map(([path, text]) => {
    const content = Buffer.from(text);
    return { path, type: 'file' as const, size: content.length, content };
  });
}

/** Medians over `iterations` swaps that change every route's weights (the first, which binds, is not counted). */
export async function measureSwapCost(u: Upstreams, routes: number, iterations: number): Promise<SwapCost> {
  const ports = await freePorts(routes);
  const proxy = new TcpProxy({ logger: pino({ level: 'silent' }) });
  const samples: { parse: number; diff: number; swap: number; total: number; compile: number }[] = [];
  let applied: RoutingTable | null = null;
  try {
    for (let i = 0; i <= iterations; i++) {
      const files = toFiles(benchManifests(services(u), manyRoutes(ports, i)));
      const t0 = performance.now();
      const desired = buildDesired(files, COMPILE);
      const t1 = performance.now();
      if (!desired.ok) throw new Error(`1,000-route repo does not compile: ${JSON.stringify(desired.diagnostics.slice(0, 3))}`);
      const changes = diff(applied, desired.table);
      const t2 = performance.now();
      await proxy.swap(desired.table);
      const t3 = performance.now();
      if (i > 0 && changes.length < routes) throw new Error(`expected ${routes} changes, got ${changes.length}`);
      applied = desired.table;
      // compile alone (YAML already parsed), for the record
      const parsed = parseManifests(files, DEFAULT_LIMITS);
      const c0 = performance.now();
      compile(parsed.resources, COMPILE);
      const c1 = performance.now();
      if (i > 0) samples.push({ parse: t1 - t0, diff: t2 - t1, swap: t3 - t2, total: t3 - t0, compile: c1 - c0 });
    }
  } finally {
    await proxy.close(0);
  }
  return {
    routes, iterations,
    parseCompileMs: median(samples.map((s) => s.parse)),
    diffMs: median(samples.map((s) => s.diff)),
    swapMs: median(samples.map((s) => s.swap)),
    totalMs: median(samples.map((s) => s.total)),
    compileOnlyMs: median(samples.map((s) => s.compile)),
  };
}

export interface SwapUnderLoad {
  routes: number; seconds: number; commits: number; swapsApplied: number; errors: number;
  /** conn/s while commits land, and before (same process, no commits). */
  rate: number; baselineRate: number; baselineErrors: number; cpuCores: number;
}

/**
 * The real `tcpshift run` serving a `routes`-route repo (route 0 = the 80/20 echo route): the load
 * generator runs at full load on route 0 while a commit that changes every route's weights lands
 * every 100 ms (the process watches the repo). Counts failed connections and applied swaps.
 */
export async function measureSwapUnderLoad(bin: string, u: Upstreams, workDir: string, routes: number, seconds: number): Promise<SwapUnderLoad> {
  const dir = join(workDir, 'swap-under-load');
  const all = await freePorts(routes + 1);
  const ports = all.slice(0, routes);
  const repo = new Repo(join(dir, 'repo'));
  repo.commit(benchManifests(services(u), manyRoutes(ports, 0)));
  const logFile = join(dir, 'tcpshift.log');
  const t = await startTcpshift({ repo: repo.dir, stateDir: join(dir, 'state'), logFile, readyPorts: [ports[0]!], adminPort: all[routes]! });
  try {
    const baseline = await loadgen<ConnResult>(bin, ['conn', '127.0.0.1', ports[0]!, 50, Math.min(seconds, 3)]);
    const swapsBefore = countSwaps(logFile);
    const c0 = cpuSeconds([t.proc.pid]);
    const load = loadgen<ConnResult>(bin, ['conn', '127.0.0.1', ports[0]!, 50, seconds]);
    let commits = 0;
    let done = false;
    void load.finally(() => (done = true)).catch(() => undefined);
    const end = Date.now() + seconds * 1000;
    for (let next = Date.now(); !done && Date.now() < end; next += 100) {
      repo.commit(benchManifests(services(u), manyRoutes(ports, ++commits)), `weights ${commits}`);
      await sleep(Math.max(0, next + 100 - Date.now()));
    }
    const r = await load;
    const cpu = cpuSeconds([t.proc.pid]) - c0;
    await sleep(500);
    return {
      routes, seconds: r.seconds, commits, swapsApplied: countSwaps(logFile) - swapsBefore, errors: r.errors, rate: r.rate,
      baselineRate: baseline.rate, baselineErrors: baseline.errors, cpuCores: cpu / r.seconds,
    };
  } finally {
    await t.stop();
  }
}

function countSwaps(logFile: string): number {
  return readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes('"routing table swapped"')).length;
}
