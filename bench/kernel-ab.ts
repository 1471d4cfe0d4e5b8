/**
 * Paired A/B runs of the conn/s load (bench/loadgen.c `conn`) against several variants of a proxy,
 * interleaved round by round (the order rotating), for the kernel-side measurements in
 * bench/kernel.md. Each variant's CPU per connection is its process tree's utime + stime over the run.
 *
 *   node bench/out/bench/kernel-ab.js --rounds 7 --seconds 4 VARIANT ...
 *
 * VARIANT: `tcpshift` or `tcpshift:NAME=VALUE,...` (the real `tcpshift run` with that environment),
 * `haproxy`, `nginx`, or `exec:PATH ARG ...` (a prototype started as `PATH LISTEN_PORT UPSTREAM_PORT ARG ...`;
 * a PATH ending in .c is compiled first, with liburing: bench/uring/eproxy.c, bench/uring/uproxy.c).
 * A `label=` prefix names a variant.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureConn, type ConnSample } from './measure';
import { echoOnce, freePorts, sleep, waitUntil } from './net';
import { peerVersion } from './peers';
import { processTree } from './proc-stats';
import { installCleanup, start, stop, stopAll } from './procs';
import { median } from './stats';
import { launch, type Target, type Upstreams } from './targets';
import { BENCH_DIR, buildTool, startBackend } from './tools';

interface Variant { label: string; spec: string }

function parseVariant(arg: string): Variant {
  const m = /^([\w.+-]+)=(.*)$/.exec(arg);
  return m !== null && !/^[A-Z_]+$/.test(m[1]!) ? { label: m[1]!, spec: m[2]! } : { label: arg, spec: arg };
}

/** Compiles a prototype's C file into bench/out/bin unless the binary is newer. */
function compiled(src: string): string {
  const bin = join(BENCH_DIR, 'out', 'bin', src.replace(/^.*\//, '').replace(/\.c$/, ''));
  mkdirSync(join(BENCH_DIR, 'out', 'bin'), { recursive: true });
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    execFileSync('gcc', ['-O2', '-Wall', '-o', bin, src, ...(src.includes('uproxy') ? ['-luring'] : [])], { stdio: 'inherit' });
  }
  return bin;
}

async function startExec(spec: string, upstream: number, dir: string): Promise<Target> {
  const [path, ...args] = spec.slice('exec:'.length).split(/\s+/).filter(Boolean);
  const cmd = path!.endsWith('.c') ? compiled(path!) : path!;
  const [port] = (await freePorts(1)) as [number];
  const proc = start('proto', cmd, [String(port), String(upstream), ...args], { logFile: join(dir, `proto-${port}.log`) });
  await waitUntil(`${spec} to serve`, () => echoOnce(port, 500), 10_000, 50);
  return { kind: 'direct', echoPort: port, bulkPort: port, pids: () => processTree(proc.child.pid!), stop: () => stop(proc, 2000) };
}

async function startVariant(v: Variant, u: Upstreams, workDir: string): Promise<Target> {
  if (v.spec.startsWith('exec:')) return startExec(v.spec, u.echo[0], workDir);
  if (v.spec === 'haproxy' || v.spec === 'nginx') {
    return launch(v.spec, u, { workDir, versions: { [v.spec]: peerVersion(v.spec) ?? '?' } });
  }
  if (v.spec === 'tcpshift' || v.spec.startsWith('tcpshift:')) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const kv of v.spec.slice('tcpshift:'.length).split(',').filter((s) => s.includes('='))) {
      const i = kv.indexOf('=');
      env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    return launch('tcpshift', u, { workDir, versions: {}, tcpshiftEnv: env });
  }
  throw new Error(`unknown variant ${v.spec}`);
}

function range(xs: number[], digits: number): string {
  return `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { rounds: { type: 'string', default: '5' }, seconds: { type: 'string', default: '4' }, concurrency: { type: 'string', default: '50' } },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const variants = positionals.map(parseVariant);
  installCleanup((m) => process.stdout.write(`${m}\n`));
  const workDir = mkdtempSync(join(tmpdir(), 'tcpshift-kernel-ab-'));
  const bin = buildTool('loadgen');
  const backend = await startBackend(buildTool('backend'), ['echo:0', 'echo:0', 'sink:0', 'sink:0', 'id:0:a', 'id:0:b'], join(workDir, 'backend.log'));
  const p = backend.ports;
  const u: Upstreams = { echo: [p[0]!, p[1]!], sink: [p[2]!, p[3]!], id: [p[4]!, p[5]!] };
  const targets: Target[] = [];
  for (const v of variants) targets.push(await startVariant(v, u, workDir));
  for (const t of targets) await measureConn(bin, t, concurrency, 1);  // warm-up
  const samples: ConnSample[][] = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (k + r) % targets.length;
      const s = await measureConn(bin, targets[i]!, concurrency, seconds);
      samples[i]!.push(s);
      process.stdout.write(`round ${r + 1} ${variants[i]!.label.padEnd(24)} ${s.rate.toFixed(0).padStart(6)} conn/s  ${s.cpuUsPerConn.toFixed(1).padStart(5)} µs/conn (user ${s.userUsPerConn.toFixed(1)}, sys ${s.sysUsPerConn.toFixed(1)})  errors ${s.errors}  machine ${s.machineCores.toFixed(2)}\n`);
      await sleep(200);
    }
  }
  process.stdout.write(`\nmedian [min–max] over ${rounds} rounds of ${seconds} s, concurrency ${concurrency}; ratio = paired per round against ${variants[0]!.label}\n`);
  for (let i = 0; i < variants.length; i++) {
    const xs = samples[i]!;
    const cpuRatio = xs.map((s, r) => s.cpuUsPerConn / samples[0]![r]!.cpuUsPerConn);
    const rateRatio = xs.map((s, r) => s.rate / samples[0]![r]!.rate);
    process.stdout.write(`${variants[i]!.label.padEnd(24)} conn/s ${range(xs.map((s) => s.rate), 0)}  µs/conn ${range(xs.map((s) => s.cpuUsPerConn), 1)}  sys ${range(xs.map((s) => s.sysUsPerConn), 1)}  cpu× ${range(cpuRatio, 3)}  rate× ${range(rateRatio, 3)}\n`);
  }
  for (const t of targets) await t.stop();
  await stopAll();
  rmSync(workDir, { recursive: true, force: true });
  process.exit(0);
}

void main().catch(async (err: unknown) => {
  process.stderr.write(`kernel-ab: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  await stopAll();
  process.exit(1);
});
