/**
 * Minimal proxies, one per way of moving bytes, for the data-path comparison (bench/pumps.ts): no
 * routing, one upstream, so only the byte-moving differs. Node sockets with socket.pipe,
 * stream.pipeline, a hand-written data/write/drain pump, or the `onread` option with one shared
 * buffer; the native addon copying or splicing; and two processes sharing the port (node:cluster
 * with its default round-robin scheduler, or the addon with SO_REUSEPORT). Each honours backpressure
 * and half-close. Run as `node pump-variants.js VARIANT LISTEN_PORT UPSTREAM_PORT`.
 */
import cluster from 'node:cluster';
import * as net from 'node:net';
import { pipeline } from 'node:stream';
import { nativeBinding } from '../src/proxy/native/binding';

type Pipe = (client: net.Socket, upstream: net.Socket) => void;

const pipes: Record<string, Pipe> = {
  pipe(c, u) {
    c.pipe(u);
    u.pipe(c);
  },
  pipeline(c, u) {
    pipeline(c, u, () => undefined);
    pipeline(u, c, () => undefined);
  },
  pump(c, u) {
    pump(c, u);
    pump(u, c);
  },
};

/** data → write; a false write pauses the source until the sink drains; end → end. */
function pump(from: net.Socket, to: net.Socket): void {
  from.on('data', (chunk: Buffer) => {
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.on('end', () => to.end());
}

const SHARED = Buffer.allocUnsafe(64 * 1024);
const PEER = Symbol('peer');
type Peered = net.Socket & { [PEER]?: net.Socket };

/** `onread` with one shared buffer: write() may keep a reference until the kernel takes the bytes, so it gets a copy. */
function onRead(this: Peered, n: number, buf: Buffer): boolean {
  return this[PEER]!.write(Buffer.from(buf.subarray(0, n)));
}

function nodeProxy(pipeName: string, listen: number, upPort: number): void {
  const onreadMode = pipeName === 'onread';
  const p = pipes[pipeName];
  if (!p && !onreadMode) throw new Error(`unknown variant ${pipeName}`);
  net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: onreadMode }, (c: Peered) => {
    const u: Peered = net.connect({
      host: '127.0.0.1', port: upPort, allowHalfOpen: true, noDelay: true,
      ...(onreadMode ? { onread: { buffer: SHARED, callback: onRead } } : {}),
    });
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
    if (onreadMode) {
      u[PEER] = c;
      c.on('drain', () => u.resume());
      u.on('end', () => c.end());
      u.on('connect', () => {
        pump(c, u);
        c.resume();
      });
      return;
    }
    u.on('connect', () => p!(c, u));
  }).listen(listen, '127.0.0.1');
}

function nativeProxy(listen: number, upPort: number, reusePort: boolean): void {
  const b = nativeBinding();
  if (b === null) throw new Error('the native addon is not built');
  const ev = new Float64Array(4 * 4096);
  const { EV_ACCEPT, EV_CONNECT_FAILED } = b.constants;
  b.init(ev, (count) => {
    for (let i = 0, o = 0; i < count; i++, o += 4) {
      const type = ev[o];
      const id = ev[o + 1]!;
      if (type === EV_ACCEPT && b.dial(id, '127.0.0.1', upPort, 10_000, 3_600_000, 0, 0, 0) < 0) b.destroy(id);
      else if (type === EV_CONNECT_FAILED) b.destroy(id);
    }
  });
  (b.listen as (h: string, p: number, backlog: number, reusePort: boolean) => [number, number])('127.0.0.1', listen, 511, reusePort);
}

function main(): void {
  const [name, listen, up] = process.argv.slice(2) as [string, string, string];
  const port = Number(listen);
  const upPort = Number(up);
  switch (name) {
    case 'native':
    case 'native+splice':
      nativeProxy(port, upPort, false);
      return;
    case 'native×2':
      if (cluster.isPrimary) for (let i = 0; i < 2; i++) cluster.fork();
      else nativeProxy(port, upPort, true);
      return;
    case 'pipe×2':
      if (cluster.isPrimary) for (let i = 0; i < 2; i++) cluster.fork();
      else nodeProxy('pipe', port, upPort);
      return;
    default:
      nodeProxy(name, port, upPort);
  }
}

main();
