/** Loopback socket helpers for proxy tests. Every helper cleans up the sockets it opens. */
import * as net from 'node:net';

export { connectAndSend, LineClient, type SendOptions } from '../../src/proxy/client';

/** A port that was free a moment ago on `host` (bind :0, read it, close). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host, port: 0 }, () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
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
export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
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
