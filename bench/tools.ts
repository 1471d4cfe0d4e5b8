/** The C tools (load generator, backends): compiled from bench/*.c at bench time, run as child processes. */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { adopt, start, type Proc } from './procs';

export const BENCH_DIR = join(__dirname, '..', '..', '..', 'bench');
const BIN_DIR = join(BENCH_DIR, 'out', 'bin');

/** Compiles `name.c` with gcc -O2 unless the binary is newer; returns its path. Throws on a compile error. */
export function buildTool(name: 'loadgen' | 'backend'): string {
  const src = join(BENCH_DIR, `${name}.c`);
  const bin = join(BIN_DIR, name);
  mkdirSync(BIN_DIR, { recursive: true });
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    execFileSync('gcc', ['-O2', '-Wall', '-o', bin, src], { stdio: 'inherit' });
  }
  return bin;
}

/** The ports of a running backend process, in the order of its specs. */
export interface Backend {
  readonly proc: Proc;
  readonly ports: number[];
}

/** Starts the backend with `specs` (`echo:0`, `sink:0`, `id:0:a`); resolves once it listens. */
export async function startBackend(bin: string, specs: string[], logFile: string): Promise<Backend> {
  const proc = start('backend', bin, specs, { stdout: 'pipe', logFile });
  const line = await firstLine(proc, 5000);
  const ports = (JSON.parse(line) as { ports: number[] }).ports;
  if (ports.length !== specs.length) throw new Error(`backend: asked for ${specs.length} ports, got ${line}`);
  return { proc, ports };
}

function firstLine(proc: Proc, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const timer = setTimeout(() => reject(new Error(`${proc.name}: no output after ${timeoutMs} ms`)), timeoutMs);
    proc.child.stdout!.on('data', (d: Buffer) => {
      data += d.toString();
      const nl = data.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(data.slice(0, nl));
      }
    });
    void proc.exited.then((code) => reject(new Error(`${proc.name} exited (${code})`)));
  });
}

export interface ConnResult { ok: number; errors: number; seconds: number; rate: number; meanMs: number; cpuUser: number; cpuSys: number }
export interface LatResult { samples: number; p50Us: number; p90Us: number; p99Us: number; p999Us: number; maxUs: number }
export interface BulkResult { sent: number; received: number; seconds: number; gbps: number; cpuUser: number; cpuSys: number }

/** Runs the load generator to completion and parses its JSON line; rejects on a non-zero exit. */
export function loadgen<T>(bin: string, args: (string | number)[]): Promise<T> {
  return new Promise((resolve, reject) => {
    // its own process group, tracked: stopped with everything else on failure or Ctrl-C
    const child = spawn(bin, args.map(String), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid !== undefined) adopt('loadgen', bin, child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as T);
      else reject(new Error(`loadgen ${args.join(' ')} exited ${code}: ${err.trim() || out.trim()}`));
    });
  });
}

/** `loadgen hold`: opens `count` connections and keeps them until release() is called. */
export async function hold(bin: string, port: number, count: number): Promise<{ ready: number; errors: number; release(): Promise<void> }> {
  const proc = start('loadgen-hold', bin, ['hold', '127.0.0.1', String(port), String(count)], { stdout: 'pipe', stdin: 'pipe' });
  const line = await firstLine(proc, 120_000);
  const r = JSON.parse(line) as { ready: number; errors: number };
  return {
    ...r,
    async release() {
      proc.child.stdin!.end();
      await proc.exited;
    },
  };
}
