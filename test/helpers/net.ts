/** Loopback socket helpers for proxy tests. Every helper cleans up the sockets it opens. */
import * as net from 'node:net';

export { connectAndSend, LineClient, type SendOptions } from '../../src/echo/client';

/**
 * Ports handed out by freePort come from below Linux's ephemeral range (32768–60999), so a port
 * chosen for a Gateway cannot be taken a moment later by a `listen(0)` or an outgoing connection
 * of the same test run. freePort probes a port and releases it, so two jest workers probing the
 * same port could both be handed it: each worker (JEST_WORKER_ID) owns its own block of the range,
 * starts at a random place in it (other checkouts on the machine run jest too) and never returns
 * a port twice.
 */
const LOW = 20_000;
const HIGH = 32_767;
const BLOCKS = 16;
const BLOCK = Math.floor((HIGH - LOW + 1) / BLOCKS);
const worker = Number.parseInt(process.env['JEST_WORKER_ID'] ?? '1', 10);
const blockLow = LOW + ((Number.isInteger(worker) && worker > 0 ? worker - 1 : 0) % BLOCKS) * BLOCK;
const blockHigh = blockLow + BLOCK - 1;
let nextPort = blockLow + Math.floor(Math.random() * BLOCK);

function tryListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A port that is free on `host` now and outside the ephemeral range (never 31400, the demo's). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; tries < BLOCK; tries++) {
    const port = nextPort;
    nextPort = nextPort >= blockHigh ? blockLow : nextPort + 1;
    if (port === 31400) continue;
    if (await tryListen(host, port)) return port;
  }
  throw new Error(`no free port between ${blockLow} and ${blockHigh} (jest worker ${worker}) on ${host}`);
}

/** The block of ports freePort hands out in this jest worker (for the helper's own test). */
export function portBlock(): { low: number; high: number } {
  return { low: blockLow, high: blockHigh };
}

/** Resolves with the error code a connect to `port` fails with, or 'connected'. */
export function connectError(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    s.on('connect', () => {
      s.destroy();
      resolve('connected');
    });
  });
}

/** Polls `cond` every 10 ms until it is true; rejects after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000, what: string | (() => string) = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A server on 127.0.0.1:0 that calls `onSocket` per connection and destroys open sockets on close().
 * Not half-open by default: a socket ends its side when the peer ends, so 'close' is observable.
 */
export async function startServer(onSocket: (s: net.Socket) => void, opts: net.ServerOpts = {}): Promise<{ port: number; server: net.Server; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer(opts, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    onSocket(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    server,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
