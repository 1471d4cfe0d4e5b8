/**
 * Every process the bench starts, so that all of them are stopped at the end — also on failure,
 * Ctrl-C or SIGTERM. Each child gets its own process group; stopping signals the group.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

/** A started process. */
export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<string>;
}

const live = new Set<Proc>();

/** Starts `cmd`; stdout/stderr go to `logFile` when given (else ignored). Throws when it cannot start. */
export function start(name: string, cmd: string, args: readonly string[], opts: { logFile?: string; stdout?: 'pipe'; stdin?: 'pipe'; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Proc {
  const fd = opts.logFile === undefined ? null : openSync(opts.logFile, 'a');
  const out = opts.stdout ?? (fd ?? 'ignore');
  const spawnOpts: SpawnOptions = {
    detached: true,
    stdio: [opts.stdin ?? 'ignore', out, fd ?? 'ignore'],
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  };
  const child = spawn(cmd, args, spawnOpts);
  if (fd !== null) closeSync(fd);
  return adopt(name, cmd, child);
}

/** Tracks a child spawned elsewhere with `detached: true`, so that it is stopped with the rest. */
export function adopt(name: string, cmd: string, child: ChildProcess): Proc {
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? String(code)));
    child.once('error', (err) => resolve(`error: ${err.message}`));
  });
  const p: Proc = { name, child, pid: child.pid, exited };
  live.add(p);
  void exited.then(() => live.delete(p));
  return p;
}

function signalGroup(p: Proc, sig: NodeJS.Signals): void {
  try {
    process.kill(-p.pid, sig);
  } catch {
    // already gone
  }
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once it has exited. */
export async function stop(p: Proc, graceMs = 3000): Promise<void> {
  if (!live.has(p)) return;
  signalGroup(p, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(p, 'SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
  // Children of the group that outlived their parent (nginx workers, say) go too.
  signalGroup(p, 'SIGKILL');
}

/** Stops every process still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => stop(p)));
}

/** Kills whatever is left, synchronously (for process 'exit'). */
function killAllNow(): void {
  for (const p of live) signalGroup(p, 'SIGKILL');
}

/** Installs the handlers that stop every child on Ctrl-C, SIGTERM, an uncaught error or exit. */
export function installCleanup(log: (msg: string) => void): void {
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      log(`\n${sig}: stopping every process the bench started`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}
