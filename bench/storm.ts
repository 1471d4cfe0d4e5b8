/**
 * Reconcile storm: a 1,000-route repo (10 files × 100 routes, each route its own listener) under
 * load — new connections/s through an untouched route (the C load generator) and a small echo every
 * 5 ms on an already open connection through another (sent on schedule, each answer timed) — idle, then while commits touching one
 * file land back to back, then while commits touching every file do. HAProxy and nginx carry the
 * same 1,000 listeners and the same load while reloading (HAProxy seamlessly, `-W` + SIGUSR2;
 * nginx on SIGHUP) every 0.5 s, each reload with every route's weights changed.
 */
import { readFileSync } from 'node:fs';
import { launchBig, type BigTarget } from './big-target';
import { sleep } from './net';
import { lowPorts } from './ports';
import { cpuSecondsWithReaped, reapedChildrenSeconds } from './proc-stats';
import { RouteRepo } from './route-repo';
import { median } from './stats';
import type { TargetKind, Upstreams } from './targets';
import { loadgen, type ConnResult } from './tools';

export type StormPhaseName = 'idle' | 'one-file' | 'all-file' | 'reload';

/** What the ping client (loadgen ping) reports: lines sent on schedule, answered, and the answers' delay. */
export interface PingResult {
  samples: number; sent: number; unanswered: number; failed: number; p50Us: number; p99Us: number; p999Us: number; maxUs: number;
  cpuUser: number; cpuSys: number;
}

/** One phase of one target in one round. */
export interface StormPhase {
  phase: StormPhaseName;
  rate: number; errors: number;
  pingP50Us: number; pingP99Us: number; pingMaxUs: number;
  /** Lines due in the phase never answered (connection failed, or no answer within 10 s of the phase's end). */
  pingErrors: number;
  /** Commits made (tcpshift) or reloads signalled (peers). */
  changes: number;
  /** Commits applied (tcpshift) or reloads the peer's log shows completed. */
  applied: number;
  /** tcpshift: median durationMs of the storm's reconciles (POST /reconcile answer). */
  reconcileMs: number;
  /** Target CPU (cores) over the phase, retired workers and child processes included. */
  cpuCores: number;
  /** tcpshift: CPU seconds of its serving (main) thread over the phase. */
  servingCpuS?: number;
  /**
   * tcpshift: what a commit cost the serving thread, ms: its CPU over the phase less the connections'
   * share (the idle phase's serving CPU per connection × this phase's connections), per commit.
   */
  servingMsPerCommit?: number;
  /** The bench's own git commits and config writes (cores), on the same machine. */
  driverCores?: number;
}

export interface StormRound { kind: TargetKind; round: number; phases: StormPhase[] }

export interface StormResults {
  routes: number; files: number; seconds: number; concurrency: number; pingIntervalMs: number; reloadEveryMs: number; minCommitGapMs?: number;
  rounds: StormRound[];
}

export interface StormOptions {
  readonly routes: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly concurrency: number;
  readonly pingIntervalMs: number;
  readonly reloadEveryMs: number;
  /** tcpshift: at least this long from one commit to the next (0: back to back). */
  readonly minCommitGapMs: number;
  readonly kinds: readonly TargetKind[];
  readonly versions: Partial<Record<TargetKind, string>>;
}

/** Runs the storm for every kind, kinds alternating within each round. */
export async function measureStorm(bin: string, u: Upstreams, workDir: string, o: StormOptions, log: (s: string) => void): Promise<StormResults> {
  const out: StormResults = {
    routes: o.routes, files: Math.ceil(o.routes / 100), seconds: o.seconds, concurrency: o.concurrency,
    pingIntervalMs: o.pingIntervalMs, reloadEveryMs: o.reloadEveryMs, minCommitGapMs: o.minCommitGapMs, rounds: [],
  };
  for (let r = 1; r <= o.rounds; r++) {
    for (const kind of o.kinds) {
      const ports = await lowPorts(o.routes + 1);
      const rr = new RouteRepo(ports.slice(0, o.routes), u);
      log(`storm round ${r}: starting ${kind} with ${o.routes} listeners`);
      const t = await launchBig(kind, rr, ports[o.routes]!, workDir, { versions: o.versions, watch: false });
      try {
        await loadgen<ConnResult>(bin, ['conn', '127.0.0.1', rr.echoPort, o.concurrency, 0.5]); // warm-up
        const phases: StormPhase[] = [];
        const names: StormPhaseName[] = t.tcpshift ? ['idle', 'one-file', 'all-file'] : ['idle', 'reload'];
        for (const phase of names) {
          const p = await runPhase(bin, t, rr, phase, o);
          const idle = phases[0];
          if (p.servingCpuS !== undefined && idle?.servingCpuS !== undefined && p.changes > 0) {
            const perConn = idle.servingCpuS / Math.max(1, idle.rate * o.seconds);
            p.servingMsPerCommit = ((p.servingCpuS - perConn * p.rate * o.seconds) * 1000) / p.changes;
          }
          phases.push(p);
          log(`storm round ${r} ${kind.padEnd(11)} ${phase.padEnd(8)} ${p.rate.toFixed(0).padStart(6)} conn/s (errors ${p.errors})  ping p99 ${(p.pingP99Us / 1000).toFixed(2)} ms max ${(p.pingMaxUs / 1000).toFixed(1)} ms (errors ${p.pingErrors})  ${phase === 'idle' ? '' : `${p.applied}/${p.changes} ${t.tcpshift ? 'commits applied' : 'reloads done'}${Number.isFinite(p.reconcileMs) ? `, reconcile ${p.reconcileMs.toFixed(0)} ms` : ''}  `}cpu ${p.cpuCores.toFixed(2)} cores${p.servingMsPerCommit !== undefined ? `, serving thread ${p.servingMsPerCommit.toFixed(1)} ms a commit` : ''}`);
          await sleep(300);
        }
        out.rounds.push({ kind, round: r, phases });
      } finally {
        await t.stop();
      }
    }
  }
  return out;
}

/** The load for `o.seconds` while the phase's driver changes the config; the driver stops with the load. */
async function runPhase(bin: string, t: BigTarget, rr: RouteRepo, phase: StormPhaseName, o: StormOptions): Promise<StormPhase> {
  const c0 = cpuSecondsWithReaped(t.pids());
  const main0 = t.tcpshift ? threadCpuSeconds(t.tcpshift.proc.pid) : NaN;
  const self0 = reapedChildrenSeconds();
  const ping = loadgen<PingResult>(bin, ['ping', '127.0.0.1', rr.pingPort, o.seconds, o.pingIntervalMs]);
  const conn = loadgen<ConnResult>(bin, ['conn', '127.0.0.1', rr.echoPort, o.concurrency, o.seconds]);
  let done = false;
  const finished = Promise.allSettled([ping, conn]).then(() => (done = true));
  const reloadsBefore = t.peer?.reloadsDone() ?? 0;
  // settled at once so that a failing driver is reported after the load, not as an unhandled rejection
  const driven = (phase === 'idle' ? Promise.resolve({ changes: 0, applied: 0, durations: [] as number[] }) : drive(t, rr, phase, () => done, o))
    .then((v) => ({ v }), (err: unknown) => ({ err }));
  await finished;
  const c1 = cpuSecondsWithReaped(t.pids()); // over the load's window (a reconcile still running is not counted)
  const main1 = t.tcpshift ? threadCpuSeconds(t.tcpshift.proc.pid) : NaN;
  const dr = await driven;
  if ('err' in dr) throw dr.err;
  const d = dr.v;
  const [p, c] = [await ping, await conn];
  // this process's reaped children: the git commits, and the two load generators (their own count taken off)
  const driver = reapedChildrenSeconds() - self0 - (p.cpuUser + p.cpuSys + c.cpuUser + c.cpuSys);
  if (t.peer) {
    await sleep(300); // the last reload's new worker
    d.applied = t.peer.reloadsDone() - reloadsBefore;
  }
  return {
    phase, rate: c.rate, errors: c.errors,
    // NaN when no line was answered (the client then prints no percentiles)
    pingP50Us: Number(p.p50Us), pingP99Us: Number(p.p99Us), pingMaxUs: Number(p.maxUs),
    // lines due in the phase that got no answer: unanswered, or never sent once the connection failed
    pingErrors: Math.max(p.unanswered, Math.floor(o.seconds / (o.pingIntervalMs / 1000)) - p.samples),
    changes: d.changes, applied: d.applied, reconcileMs: median(d.durations), cpuCores: (c1 - c0) / c.seconds,
    driverCores: Math.max(0, driver) / c.seconds,
    ...(t.tcpshift ? { servingCpuS: main1 - main0 } : {}),
  };
}

/**
 * tcpshift: commits back to back — each commit is written, then POST /reconcile, whose answer
 * comes once the run finished, then the next. Peers: a reload every `everyMs`, each with every
 * route's weights changed.
 */
async function drive(t: BigTarget, rr: RouteRepo, phase: StormPhaseName, stopped: () => boolean, o: StormOptions): Promise<{ changes: number; applied: number; durations: number[] }> {
  let changes = 0;
  let applied = 0;
  const durations: number[] = [];
  if (t.tcpshift && t.repo) {
    while (!stopped()) {
      const started = Date.now();
      // one-file: files 1…n-1 in turn (file 0 holds the untouched routes); all-file: every file
      const files = phase === 'one-file' ? rr.touch(1 + (changes % Math.max(1, rr.files - 1))) : rr.touchAll();
      t.repo.update(files, `storm ${phase} ${++changes}`);
      const run = await t.tcpshift.reconcileRun();
      if (run.outcome === 'applied') applied++;
      durations.push(run.durationMs);
      await sleep(Math.max(0, started + o.minCommitGapMs - Date.now()));
    }
    return { changes, applied, durations };
  }
  if (!t.peer) throw new Error(`${t.kind}: nothing to drive`);
  const everyMs = o.reloadEveryMs;
  for (let next = Date.now(); !stopped(); next += everyMs) {
    rr.touchAll();
    t.peer.reload(rr.pools());
    changes++;
    await sleep(Math.max(0, next + everyMs - Date.now()));
  }
  return { changes, applied, durations };
}

/** User + system CPU seconds of the main thread of `pid` (its task of the same id), 0 when gone. */
function threadCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}
