/** The real `tcpshift run` process (dist/cli/main.js) against a local git repo the bench commits to. */
import { join } from 'node:path';
import { start, stop, type Proc } from './procs';
import { echoOnce, freePorts, waitUntil } from './net';

export const ROOT = join(__dirname, '..', '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export interface TcpshiftOptions {
  readonly repo: string;
  readonly stateDir: string;
  readonly logFile: string;
  /** Ports that must echo before the process counts as started. */
  readonly readyPorts: readonly number[];
  readonly watch?: boolean;
  readonly interval?: string;
  readonly extraArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Flags for node itself (e.g. --cpu-prof), before the CLI script. */
  readonly nodeArgs?: readonly string[];
  /** Admin port, allocated with the listener ports so that none of them collide; a free one when absent. */
  readonly adminPort?: number;
  /** How long to wait for the ready ports (30 s when absent). */
  readonly readyTimeoutMs?: number;
}

/** What POST /reconcile answers (and the 'reconcile finished' log line carries). */
export interface ReconcileRun {
  readonly revision: string | null;
  readonly outcome: string;
  readonly durationMs: number;
}

/** A running tcpshift. */
export interface Tcpshift {
  readonly proc: Proc;
  readonly adminPort: number;
  /** POST /reconcile; resolves with the HTTP status. */
  reconcile(): Promise<number>;
  /** POST /reconcile and its answer: the run's outcome and durationMs (rejects on a non-200). */
  reconcileRun(): Promise<ReconcileRun>;
  stop(): Promise<void>;
}

/** Starts `tcpshift run` and waits until the given ports echo. Throws (after stopping it) on failure. */
export async function startTcpshift(o: TcpshiftOptions): Promise<Tcpshift> {
  const adminPort = o.adminPort ?? (await freePorts(1))[0]!;
  const args = [
    ...(o.nodeArgs ?? []), CLI, 'run', '--repo', o.repo, '--path', 'manifests', '--state-dir', o.stateDir,
    '--admin', `127.0.0.1:${adminPort}`, '--listen-host', '127.0.0.1', '--log-format', 'json',
    '--interval', o.interval ?? '1h', ...(o.watch === false ? ['--no-watch'] : []), ...(o.extraArgs ?? []),
  ];
  const proc = start('tcpshift', process.execPath, args, { logFile: o.logFile, ...(o.env ? { env: o.env } : {}) });
  const t: Tcpshift = {
    proc,
    adminPort,
    async reconcile() {
      const res = await fetch(`http://127.0.0.1:${adminPort}/reconcile`, { method: 'POST', headers: { 'x-tcpshift-request': '1' } });
      await res.text();
      return res.status;
    },
    async reconcileRun() {
      const res = await fetch(`http://127.0.0.1:${adminPort}/reconcile`, { method: 'POST', headers: { 'x-tcpshift-request': '1' }, signal: AbortSignal.timeout(120_000) });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`POST /reconcile answered ${res.status}: ${text.slice(0, 200)}`);
      const body = JSON.parse(text) as Partial<ReconcileRun>;
      return { revision: body.revision ?? null, outcome: String(body.outcome), durationMs: Number(body.durationMs) };
    },
    stop: () => stop(proc, 5000),
  };
  try {
    let exited = false;
    void proc.exited.then(() => (exited = true));
    await waitUntil('tcpshift to serve', async () => {
      if (exited) throw new Error(`tcpshift exited; see ${o.logFile}`);
      for (const p of o.readyPorts) if (!(await echoOnce(p, 500))) return false;
      return true;
    }, o.readyTimeoutMs ?? 30_000, 50);
  } catch (err) {
    await t.stop();
    throw err;
  }
  return t;
}
