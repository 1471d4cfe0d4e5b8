/** Small socket helpers for the orchestrator: free ports, readiness and probes. */
import * as net from 'node:net';
import { lowPorts } from './ports';

/**
 * `n` distinct ports free right now, from below the ephemeral range (bench/ports.ts): a port from
 * listen(0) could be taken by an outgoing connection before the target binds it.
 */
export function freePorts(n: number): Promise<number[]> {
  return lowPorts(n);
}

/** Connects, writes `hello`, resolves true when it is echoed back within `timeoutMs`. */
export function echoOnce(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('connect', () => s.write('hello'));
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= 5) done(got === 'hello');
    });
    s.on('error', () => done(false));
    s.on('close', () => done(false));
  });
}

/** Connects and reads one byte: which `id` backend served the connection ('-' when none). */
export function probeId(port: number, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const done = (v: string): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done('-'), timeoutMs);
    s.once('data', (d: Buffer) => done(d.toString('latin1', 0, 1)));
    s.on('error', () => done('-'));
    s.on('close', () => done('-'));
  });
}

/** Polls `check` every `everyMs` until it resolves true; rejects after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 15_000, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
