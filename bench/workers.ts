/**
 * Workers 1 vs 2: the same tcpshift (80/20 echo route) started with `--workers 1` and
 * `--workers 2`, new connections/s with the proxy's CPU per connection, and echo p99, alternating
 * round by round. Skipped, with a note, when `tcpshift run --help` has no `--workers`.
 */
import { spawnSync } from 'node:child_process';
import { measureConn, measureLat } from './measure';
import { sleep } from './net';
import { CLI } from './tcpshift';
import { launch, type Target, type TargetKind, type Upstreams } from './targets';

export interface WorkersRow { workers: number; rate: number[]; cpuUsPerConn: number[]; p99Us: number[]; errors: number }
export interface WorkersResult { available: boolean; note: string; rows: WorkersRow[] }

/** Whether this build's `tcpshift run` takes `--workers`. */
export function workersFlagAvailable(): boolean {
  const r = spawnSync(process.execPath, [CLI, 'run', '--help'], { encoding: 'utf8' });
  return r.status === 0 && /--workers\b/.test(r.stdout);
}

export interface WorkersOptions {
  readonly counts: readonly number[];
  readonly rounds: number;
  readonly concurrency: number;
  readonly connSeconds: number;
  readonly latSeconds: number;
  readonly latRate: number;
  readonly workDir: string;
  readonly versions: Partial<Record<TargetKind, string>>;
}

/** Runs the comparison, or returns the reason it cannot. */
export async function measureWorkers(bin: string, u: Upstreams, o: WorkersOptions, log: (s: string) => void): Promise<WorkersResult> {
  if (!workersFlagAvailable()) {
    return { available: false, note: '`tcpshift run --help` has no `--workers` flag in this build: not available, not measured', rows: [] };
  }
  const running: { w: number; t: Target; row: WorkersRow }[] = [];
  try {
    for (const w of o.counts) {
      const t = await launch('tcpshift', u, { workDir: o.workDir, versions: o.versions, tcpshiftArgs: ['--workers', String(w)] });
      running.push({ w, t, row: { workers: w, rate: [], cpuUsPerConn: [], p99Us: [], errors: 0 } });
    }
    for (const r of running) await measureConn(bin, r.t, o.concurrency, 0.5); // warm-up
    for (let round = 1; round <= o.rounds; round++) {
      for (const r of running) {
        const c = await measureConn(bin, r.t, o.concurrency, o.connSeconds);
        const l = await measureLat(bin, r.t, o.latSeconds, o.latRate);
        r.row.rate.push(c.rate);
        r.row.cpuUsPerConn.push(c.cpuUsPerConn);
        r.row.p99Us.push(l.p99Us);
        r.row.errors += c.errors;
        log(`round ${round} workers ${r.w}: ${c.rate.toFixed(0)} conn/s, cpu ${c.cpuUsPerConn.toFixed(1)} µs/conn, p99 ${l.p99Us.toFixed(1)} µs`);
        await sleep(300);
      }
    }
  } finally {
    for (const r of running) await r.t.stop();
  }
  return { available: true, note: '', rows: running.map((r) => r.row) };
}
