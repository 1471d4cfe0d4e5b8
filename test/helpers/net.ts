/** Loopback socket helpers for proxy tests. Every helper cleans up the sockets it opens. */
import * as net from 'node:net';

export { connectAndSend, LineClient, type SendOptions } from '../../src/proxy/client';

/**
 * Ports handed out by freePort come from below Linux's ephemeral range (32768–60999), so a port
 * chosen for a Gateway cannot be taken a moment later by a `listen(0)` or an outgoing connection
 * of the same test run. Each jest worker starts at a random place and never returns a port twice.
 */
const LOW = 20_000;
const HIGH = 32_767;
let nextPort = LOW + Math.floor(Math.random() * (HIGH - LOW));

function tryListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A port that is free on `host` now and outside the ephemeral range (never 31400, the demo's). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; tries < HIGH - LOW; tries++) {
    const port = nextPort;
    nextPort = nextPort >= HIGH ? LOW : nextPort + 1;
    if (port === 31400) continue;
    if (await tryListen(host, port)) return port;
  }
  throw new Error(`no free port between ${LOW} and ${HIGH} on ${host}`);
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
