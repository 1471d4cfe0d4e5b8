/** A real `tcpshift run` process for tests: parsed JSON log lines, signals, exit; killed (its whole group) at cleanup. */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { MAIN } from './cli';
import type { Harness } from './harness';
import { waitFor } from './net';

export interface RunProcess {
  readonly pid: number;
  /** Parsed JSON log lines so far. */
  lines(): Record<string, unknown>[];
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Waits for a log line matching `pred`; returns it. */
  line(pred: (l: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<Record<string, unknown>>;
  /** Signals the process (not its group). */
  signal(name: NodeJS.Signals): void;
  /** Signals the process group, as a terminal's Ctrl-C does. */
  signalGroup(name: NodeJS.Signals): void;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

/**
 * `tcpshift run ...args` in its own process group (so a group signal reaches it and its children the way a
 * terminal's does), optionally under `prlimit --nofile=N:N`. Killed with SIGKILL, group and all, at cleanup.
 */
export function startRun(h: Harness, args: string[], opts: { nofile?: number; env?: NodeJS.ProcessEnv } = {}): RunProcess {
  const argv = [MAIN, 'run', '--log-format', 'json', ...args];
  const [cmd, cmdArgs] = opts.nofile === undefined
    ? [process.execPath, argv]
    : ['prlimit', [`--nofile=${opts.nofile}:${opts.nofile}`, '--', process.execPath, ...argv]];
  const p = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...opts.env } });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => {
    p.on('error', () => resolve(null));
    p.on('exit', (code) => resolve(code));
  });
  const pid = p.pid ?? -1;
  h.defer(async () => {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
    await exited;
  });
  const lines = (): Record<string, unknown>[] => out.split('\n').filter((l) => l.startsWith('{')).map((l) => {
    try { return JSON.parse(l) as Record<string, unknown>; } catch { return {}; }
  });
  return {
    pid,
    lines,
    output: () => out,
    async line(pred, timeoutMs, what) {
      await waitFor(() => lines().some(pred), timeoutMs, () => `${what}; output so far:\n${out.slice(-3000)}`);
      return lines().find(pred) as Record<string, unknown>;
    },
    signal: (s) => p.kill(s),
    signalGroup: (s) => { try { process.kill(-pid, s); } catch { /* gone */ } },
    exited,
  };
}

/** Pids of live processes whose command line contains `needle` (Linux /proc), this process excluded. */
export function processesWith(needle: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1];
      if (cmdline.includes(needle) && state !== 'Z') found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** SIGKILLs every pid (a test's leftover children); ignores those already gone. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
}
