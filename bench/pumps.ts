/**
 * The data-path comparison: each way of moving bytes (bench/pump-variants.ts) runs as a minimal
 * proxy in its own process(es); the same load generator measures new connections/s with the
 * proxy's CPU per connection, and single-stream bulk throughput, alternating variants per round.
 */
import { join } from 'node:path';
import { echoOnce, freePorts, sleep, waitUntil } from './net';
import { cpuSeconds, processTree } from './proc-stats';
import { start, stop, type Proc } from './procs';
import { median } from './stats';
import { loadgen, type BulkResult, type ConnResult } from './tools';

export interface VariantResult { name: string; what: string; rate: number; cpuUs: number; gbps: number; sPerGB: number }

const VARIANTS: { name: string; what: string; env?: NodeJS.ProcessEnv }[] = [
  { name: 'pipe', what: 'Node sockets, socket.pipe both ways' },
  { name: 'pipeline', what: 'Node sockets, stream.pipeline both ways' },
  { name: 'pump', what: 'Node sockets, hand-written data/write/drain pump' },
  { name: 'onread', what: 'Node sockets, `onread` into one shared buffer' },
  { name: 'native', what: 'native addon, copying (TCPSHIFT_SPLICE=0)', env: { TCPSHIFT_SPLICE: '0' } },
  { name: 'native+splice', what: 'native addon as shipped (splice after 1 MiB)' },
  { name: 'pipe×2', what: 'node:cluster, 2 workers (default round-robin scheduler), socket.pipe' },
  { name: 'native×2', what: '2 processes of the native addon sharing the port (SO_REUSEPORT)' },
];

interface Running { v: (typeof VARIANTS)[number]; echo: number; bulk: number; a: Proc; b: Proc }

/** Runs every variant against the backends' echo and sink ports; medians over `rounds`. */
export async function compareDataPaths(bin: string, echoUp: number, sinkUp: number, workDir: string, seconds: number, rounds: number, log: (s: string) => void): Promise<VariantResult[]> {
  const script = join(__dirname, 'pump-variants.js');
  const running: Running[] = [];
  try {
    for (const v of VARIANTS) {
      const [echo, bulk] = (await freePorts(2)) as [number, number];
      const env = { ...process.env, ...(v.env ?? {}) };
      const logFile = join(workDir, `variant-${v.name.replace(/\W/g, '_')}.log`);
      const a = start(`${v.name}-echo`, process.execPath, [script, v.name, String(echo), String(echoUp)], { logFile, env });
      const b = start(`${v.name}-bulk`, process.execPath, [script, v.name, String(bulk), String(sinkUp)], { logFile, env });
      running.push({ v, echo, bulk, a, b });
      await waitUntil(`${v.name} proxy`, () => echoOnce(echo, 500));
    }
    const rows = new Map<string, { rate: number[]; cpu: number[]; gbps: number[]; sPerGB: number[] }>();
    for (const r of running) {
      rows.set(r.v.name, { rate: [], cpu: [], gbps: [], sPerGB: [] });
      await loadgen<ConnResult>(bin, ['conn', '127.0.0.1', r.echo, 50, 0.5]);
    }
    for (let round = 1; round <= rounds; round++) {
      for (const r of running) {
        const row = rows.get(r.v.name)!;
        const pa = processTree(r.a.pid);
        const c0 = cpuSeconds(pa);
        const c = await loadgen<ConnResult>(bin, ['conn', '127.0.0.1', r.echo, 50, seconds]);
        const cpu = cpuSeconds(pa) - c0;
        await sleep(300);
        const pb = processTree(r.b.pid);
        const b0 = cpuSeconds(pb);
        const b = await loadgen<BulkResult>(bin, ['bulk', '127.0.0.1', r.bulk, seconds]);
        const bcpu = cpuSeconds(pb) - b0;
        row.rate.push(c.rate);
        row.cpu.push((cpu / Math.max(1, c.ok)) * 1e6);
        row.gbps.push(b.gbps);
        row.sPerGB.push(bcpu / Math.max(1e-9, b.received / 1e9));
        log(`round ${round} path    ${r.v.name.padEnd(14)} ${c.rate.toFixed(0).padStart(6)} conn/s ${((cpu / Math.max(1, c.ok)) * 1e6).toFixed(1).padStart(6)} µs/conn  ${b.gbps.toFixed(2).padStart(6)} Gbit/s`);
        await sleep(300);
      }
    }
    return running.map((r) => {
      const row = rows.get(r.v.name)!;
      return { name: r.v.name, what: r.v.what, rate: median(row.rate), cpuUs: median(row.cpu), gbps: median(row.gbps), sPerGB: median(row.sPerGB) };
    });
  } finally {
    for (const r of running) await Promise.all([stop(r.a), stop(r.b)]);
  }
}
