/** Per-test owner of servers, proxies and clients: everything it starts is stopped in `cleanup()` (newest first). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type * as net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { startEcho } from '../../src/echo/server';
import { TcpProxy, type ProxyOptions } from '../../src/proxy/proxy';
import { LineClient, startServer } from './net';

export const silent = pino({ level: 'silent' });

export class Harness {
  private readonly stops: (() => Promise<void>)[] = [];

  /** An echo backend on a fresh port; returns the port. */
  async echo(prefix: string): Promise<number> {
    const e = await startEcho([0], prefix);
    this.stops.push(() => e.close());
    return e.ports[0]!;
  }

  /** A proxy with a silent logger, closed (1 s drain) at cleanup. */
  proxy(opts: Partial<ProxyOptions> = {}): TcpProxy {
    const p = new TcpProxy({ logger: silent, ...opts });
    this.stops.push(() => p.close(1000));
    return p;
  }

  /** A kept-open line client. */
  async client(port: number): Promise<LineClient> {
    const c = await LineClient.open(port);
    this.stops.push(() => c.close());
    return c;
  }

  /** A plain loopback server. */
  async server(onSocket: (s: net.Socket) => void, opts: net.ServerOpts = {}): Promise<number> {
    const s = await startServer(onSocket, opts);
    this.stops.push(() => s.close());
    return s.port;
  }

  /** A temporary folder holding `files` (paths may have sub-folders), removed at cleanup. */
  folder(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'tcpshift-dir-'));
    this.stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  }

  /** Registers any other cleanup. */
  defer(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  async cleanup(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) await stop();
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
