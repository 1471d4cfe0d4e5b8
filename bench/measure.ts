/** One measurement of one target with the load generator, plus the target's own CPU and memory. */
import { cpuSeconds, cpuSplit, rssBytes, systemBusySeconds } from './proc-stats';
import { sleep } from './net';
import { hold, loadgen, type BulkResult, type ConnResult, type LatResult } from './tools';
import type { Target } from './targets';

export interface ConnSample {
  rate: number; errors: number; cpuUsPerConn: number; loadgenCores: number; targetCores: number; machineCores: number;
  /** The proxy's CPU per connection in user space and in the kernel. */
  userUsPerConn: number; sysUsPerConn: number;
}
export interface BulkSample { gbps: number; cpuSPerGB: number }
export interface LatSample { p50Us: number; p99Us: number; samples: number }
export interface MemSample { idleMB: number; heldMB: number; perConnKB: number; ready: number; errors: number }

/** New connections per second: connect, write 5 bytes, read the echo, close, at `concurrency`. */
export async function measureConn(bin: string, t: Target, concurrency: number, seconds: number): Promise<ConnSample> {
  const pids = t.pids();
  const c0 = cpuSplit(pids);
  const m0 = systemBusySeconds();
  const r = await loadgen<ConnResult>(bin, ['conn', '127.0.0.1', t.echoPort, concurrency, seconds]);
  const c1 = cpuSplit(pids);
  const busy = systemBusySeconds() - m0;
  const cpu = c1.user + c1.sys - c0.user - c0.sys;
  const per = (s: number) => (r.ok > 0 ? (s / r.ok) * 1e6 : 0);
  return {
    rate: r.rate,
    errors: r.errors,
    cpuUsPerConn: per(cpu),
    userUsPerConn: per(c1.user - c0.user),
    sysUsPerConn: per(c1.sys - c0.sys),
    loadgenCores: (r.cpuUser + r.cpuSys) / r.seconds,
    targetCores: cpu / r.seconds,
    machineCores: busy / r.seconds,
  };
}

/** Single-stream throughput to a sink, in Gbit/s (bytes the sink counted, over the time to its answer). */
export async function measureBulk(bin: string, t: Target, seconds: number): Promise<BulkSample> {
  const pids = t.pids();
  const c0 = cpuSeconds(pids);
  const r = await loadgen<BulkResult>(bin, ['bulk', '127.0.0.1', t.bulkPort, seconds]);
  const cpu = cpuSeconds(pids) - c0;
  return { gbps: r.gbps, cpuSPerGB: r.received > 0 ? cpu / (r.received / 1e9) : 0 };
}

/** 5-byte ping-pong on one persistent connection, paced at `rate` per second. */
export async function measureLat(bin: string, t: Target, seconds: number, rate: number): Promise<LatSample> {
  const r = await loadgen<LatResult>(bin, ['lat', '127.0.0.1', t.echoPort, seconds, rate]);
  return { p50Us: r.p50Us, p99Us: r.p99Us, samples: r.samples };
}

/**
 * RSS per idle proxied connection: after a small warm-up (`warm` connections opened and closed),
 * RSS at idle, then with `count` connections open (each has echoed one byte, so both legs are up).
 */
export async function measureMem(bin: string, t: Target, count: number, settleMs = 1500): Promise<MemSample> {
  const warm = await hold(bin, t.echoPort, 100);
  await warm.release();
  await sleep(settleMs);
  const idle = rssBytes(t.pids());
  const h = await hold(bin, t.echoPort, count);
  await sleep(settleMs);
  const held = rssBytes(t.pids());
  await h.release();
  return { idleMB: idle / 2 ** 20, heldMB: held / 2 ** 20, perConnKB: (held - idle) / 1024 / Math.max(1, h.ready), ready: h.ready, errors: h.errors };
}
