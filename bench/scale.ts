/**
 * Scale: the real `tcpshift run` on a repo of 1,000 / 5,000 / 10,000 routes (files of 100 routes,
 * each route its own listener): cold start (process start → every listener accepting), one-file
 * commit → serving (watched repo; until the first new connection reaches the upstream the commit
 * names), RSS, and the reconcile's own durationMs from the log.
 */
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { launchBig } from './big-target';
import { probeId, sleep, echoOnce } from './net';
import { LOW_PORT_CAPACITY, lowPorts } from './ports';
import { peakRssBytes, rssBytes } from './proc-stats';
import { RouteRepo } from './route-repo';
import { median } from './stats';
import { reconcileRuns, waitForRun } from './tcpshift-log';
import type { Upstreams } from './targets';

export interface ScaleRow {
  routes: number; files: number;
  /** Process start → every listener accepting (s); NaN when it did not within the timeout. */
  coldStartS: number;
  /** durationMs of the start-up reconcile (log). */
  coldReconcileMs: number;
  /** One-file commit → serving, each trial (ms). */
  commitMs: number[];
  /** durationMs of each of those reconciles (log). */
  reconcileMs: number[];
  rssAfterStartMB: number; rssAfterMB: number; peakRssMB: number;
  /** Why the row is incomplete, when it is. */
  note?: string;
}

export interface ScaleOptions {
  readonly sizes: readonly number[];
  readonly trials: number;
  /** Per size: no new trial starts once the trials took this long together (s). */
  readonly budgetS: number;
  readonly coldTimeoutS: number;
  readonly commitTimeoutS: number;
}

/** Connects to every port (200 at a time, connect only); resolves with the ports that did not accept. */
export async function notAccepting(ports: readonly number[], timeoutMs = 3000): Promise<number[]> {
  const failed: number[] = [];
  let next = 0;
  const one = (port: number) => new Promise<void>((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => finish(false), timeoutMs);
    function finish(ok: boolean): void {
      clearTimeout(timer);
      s.destroy();
      if (!ok) failed.push(port);
      resolve();
    }
    s.once('connect', () => finish(true));
    s.once('error', () => finish(false));
  });
  const worker = async () => {
    while (next < ports.length) await one(ports[next++]!);
  };
  await Promise.all(Array.from({ length: 200 }, worker));
  return failed;
}

function emptyRow(routes: number, files: number): ScaleRow {
  return { routes, files, coldStartS: NaN, coldReconcileMs: NaN, commitMs: [], reconcileMs: [], rssAfterStartMB: NaN, rssAfterMB: NaN, peakRssMB: NaN };
}

/** The soft limit of open files this process (and so tcpshift, its child) has. */
function openFilesLimit(): number {
  try {
    const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? (m[1] === 'unlimited' ? Infinity : Number(m[1])) : Infinity;
  } catch {
    return Infinity;
  }
}

/** Measures every size in turn, each with a fresh process and repo. */
export async function measureScale(u: Upstreams, workDir: string, o: ScaleOptions, log: (s: string) => void): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  const nofile = openFilesLimit();
  for (const size of o.sizes) {
    if (size + 1 > LOW_PORT_CAPACITY) throw new Error(`${size} routes: more listeners than the bench's port block holds (${LOW_PORT_CAPACITY})`);
    // a listener per route, plus room for the sweep's 200 connections (two descriptors each in the proxy)
    if (nofile < size + 1000) {
      log(`scale ${size}: skipped, the open-files limit (${nofile}) is below ${size + 1000}; raise it with ulimit -n`);
      rows.push({ ...emptyRow(size, Math.ceil(size / 100)), note: `not measured: open-files limit ${nofile}, needs ${size + 1000} (ulimit -n)` });
      continue;
    }
    rows.push(await measureSize(u, workDir, size, o, log));
  }
  return rows;
}

async function measureSize(u: Upstreams, workDir: string, size: number, o: ScaleOptions, log: (s: string) => void): Promise<ScaleRow> {
  const ports = await lowPorts(size + 1);
  const rr = new RouteRepo(ports.slice(0, size), u);
  const row = emptyRow(size, rr.files);
  log(`scale ${size} routes: starting tcpshift (${rr.files} files)`);
  // ready at once (no ports): the cold start is timed here, on every listener, from the spawn
  const t = await launchBig('tcpshift', rr, ports[size]!, workDir, { versions: {}, watch: true, readyPorts: [] });
  const t0 = t.spawnedAt;
  const { tcpshift: ts, repo, logFile } = t;
  if (!ts || !repo || !logFile) throw new Error('launchBig did not start tcpshift');
  try {
    const mid = rr.ports[Math.floor(size / 2)]!;
    const deadline = t0 + o.coldTimeoutS * 1000;
    let exited = false;
    void ts.proc.exited.then(() => (exited = true));
    let ready = NaN;
    let sweeps = 0;
    while (performance.now() < deadline && !exited) {
      if ((await echoOnce(rr.echoPort, 500)) && (await echoOnce(mid, 500)) && (await probeId(rr.probePort, 500)) === rr.probeWant) {
        const at = performance.now();
        const missing = await notAccepting(rr.ports);
        sweeps++;
        // every listener accepting by the time the first, middle and last answered: that moment
        // counts; else the end of the first sweep that found every one accepting
        if (missing.length === 0) {
          ready = sweeps === 1 ? at : performance.now();
          break;
        }
        log(`scale ${size}: ${missing.length} listeners not accepting yet; sweeping again`);
      }
      await sleep(50);
    }
    if (Number.isNaN(ready)) {
      row.note = exited ? `tcpshift exited during start-up (see ${logFile})` : `not every listener serving after ${o.coldTimeoutS} s`;
      return row;
    }
    row.coldStartS = (ready - t0) / 1000;
    row.coldReconcileMs = reconcileRuns(logFile).find((r) => r.outcome === 'applied')?.durationMs ?? NaN;
    await sleep(1000);
    row.rssAfterStartMB = rssBytes(t.pids()) / 2 ** 20;
    log(`scale ${size}: cold start ${row.coldStartS.toFixed(2)} s (reconcile ${row.coldReconcileMs.toFixed(0)} ms), RSS ${row.rssAfterStartMB.toFixed(0)} MB`);
    let spent = 0;
    for (let i = 1; i <= o.trials && (i === 1 || spent < o.budgetS * 1000); i++) {
      const files = rr.flipProbe();
      const want = rr.probeWant;
      await sleep(200 + Math.random() * 300);
      const c0 = performance.now();
      const sha = repo.update(files, `probe → ${want}`);
      let served = false;
      while (performance.now() - c0 < o.commitTimeoutS * 1000) {
        if ((await probeId(rr.probePort, 1000)) === want) {
          served = true;
          break;
        }
        await sleep(1);
      }
      const took = performance.now() - c0;
      spent += took;
      if (!served) {
        row.note = `a one-file commit was not serving after ${o.commitTimeoutS} s`;
        break;
      }
      row.commitMs.push(took);
      const run = await waitForRun(logFile, sha, 30_000);
      if (run) row.reconcileMs.push(run.durationMs);
      log(`scale ${size}: one-file commit ${i} → serving in ${took.toFixed(0)} ms (reconcile ${run ? run.durationMs.toFixed(0) : '?'} ms)`);
    }
    if (row.commitMs.length < o.trials && row.note === undefined) row.note = `${row.commitMs.length} of ${o.trials} commits: the ${o.budgetS} s budget was spent`;
    await sleep(500);
    row.rssAfterMB = rssBytes(t.pids()) / 2 ** 20;
    row.peakRssMB = peakRssBytes(t.pids()) / 2 ** 20;
    log(`scale ${size}: commit → serving median ${median(row.commitMs).toFixed(0)} ms, RSS ${row.rssAfterMB.toFixed(0)} MB (peak ${row.peakRssMB.toFixed(0)} MB)`);
    return row;
  } finally {
    await t.stop();
  }
}
