/**
 * Unix domain sockets in the data plane (`unix:///path`, port 0), on both data paths, with
 * hand-built tables on real sockets in a temporary folder: listening on one, dialling one, a stale
 * socket file removed, a live one or a plain file left alone (the bind fails), the file removed on close.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { nativeBinding } from '../../src/proxy/native/binding';
import { Harness } from '../helpers/harness';
import { freePort } from '../helpers/net';
import { tableOf } from '../helpers/table';

const h = new Harness();
afterEach(() => h.cleanup());
const paths: ('native' | 'js')[] = nativeBinding() !== null ? ['native', 'js'] : ['js'];

/** A line server answering `PREFIX line` on `where` (a socket path or a TCP port). */
function lineServer(prefix: string, where: { path: string } | { port: number; host: string }): Promise<void> {
  const server = net.createServer({ allowHalfOpen: false }, (s) => {
    s.on('error', () => undefined);
    s.setEncoding('utf8');
    let buf = '';
    s.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        s.write(`${prefix} ${buf.slice(0, nl)}\n`);
        buf = buf.slice(nl + 1);
      }
    });
  });
  h.defer(() => new Promise((resolve) => server.close(() => resolve())));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where, () => resolve());
  });
}

/** Connects (to a socket path or a loopback port), sends one line, returns the reply line. */
function ask(where: { path: string } | { port: number }, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect('path' in where ? { path: where.path } : { host: '127.0.0.1', port: where.port });
    s.setEncoding('utf8');
    let buf = '';
    s.on('error', reject);
    s.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        s.end();
        resolve(buf.slice(0, nl));
      }
    });
    s.write(`${line}\n`);
  });
}

describe.each(paths)('Unix domain sockets (%s data path)', (dataPath) => {
  test('listens on unix:///path and dials unix:///path endpoints, TCP on either side too; close removes the socket file', async () => {
    const dir = h.folder({});
    const back = join(dir, 'back.sock');
    const front = join(dir, 'front.sock');
    await lineServer('unix-backend', { path: back });
    const tcpBackend = await freePort();
    await lineServer('tcp-backend', { host: '127.0.0.1', port: tcpBackend });
    const tcpFront = await freePort();
    const proxy = h.proxy({ dataPath });
    await proxy.swap(tableOf({ listeners: [
      { address: `unix://${front}`, port: 0, destinations: [{ endpoints: [{ address: `unix://${back}`, port: 0 }] }] },
      { address: `unix://${join(dir, 'to-tcp.sock')}`, port: 0, destinations: [{ endpoints: [{ port: tcpBackend }] }] },
      { port: tcpFront, destinations: [{ endpoints: [{ address: `unix://${back}`, port: 0 }] }] },
    ] }));
    expect(proxy.listeners().map((l) => [l.key, l.boundPort])).toEqual([[`unix://${front}`, 0], [`unix://${join(dir, 'to-tcp.sock')}`, 0], [`127.0.0.1:${tcpFront}`, tcpFront]]);
    expect(lstatSync(front).isSocket()).toBe(true);
    expect(await ask({ path: front }, 'a')).toBe('unix-backend a');
    expect(await ask({ path: join(dir, 'to-tcp.sock') }, 'b')).toBe('tcp-backend b');
    expect(await ask({ port: tcpFront }, 'c')).toBe('unix-backend c');
    const d = proxy.counters().destinations[0]!;
    expect(d.opened).toBeGreaterThanOrEqual(1);
    await proxy.close(1000);
    expect(existsSync(front)).toBe(false);
    expect(existsSync(join(dir, 'to-tcp.sock'))).toBe(false);
  });

  test('a stale socket file (nothing listens) is replaced; a live socket or a plain file is left alone and the bind fails', async () => {
    const dir = h.folder({ 'plain.sock': 'not a socket\n' });
    const stalePath = join(dir, 'stale.sock');
    // A process that binds and exits without closing leaves its socket file behind.
    const r = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stalePath)}, () => process.exit(0))`]);
    expect(r.status).toBe(0);
    expect(lstatSync(stalePath).isSocket()).toBe(true);
    const livePath = join(dir, 'live.sock');
    await lineServer('other', { path: livePath });
    const back = join(dir, 'back.sock');
    await lineServer('backend', { path: back });
    const proxy = h.proxy({ dataPath });
    const to = (front: string) => tableOf({ listeners: [{ address: `unix://${front}`, port: 0, destinations: [{ endpoints: [{ address: `unix://${back}`, port: 0 }] }] }] });
    await proxy.swap(to(stalePath));
    expect(await ask({ path: stalePath }, 'x')).toBe('backend x');
    await expect(proxy.swap(to(livePath))).rejects.toThrow(/EADDRINUSE/);
    expect(await ask({ path: livePath }, 'y')).toBe('other y');
    await expect(proxy.swap(to(join(dir, 'plain.sock')))).rejects.toThrow(/EADDRINUSE/);
    expect(readFileSync(join(dir, 'plain.sock'), 'utf8')).toBe('not a socket\n');
    // the failed swaps left the live table serving
    expect(await ask({ path: stalePath }, 'z')).toBe('backend z');
  });

  test('a unix endpoint nobody listens on fails over to the next endpoint', async () => {
    const dir = h.folder({});
    const back = join(dir, 'back.sock');
    await lineServer('second', { path: back });
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ address: `unix://${join(dir, 'none.sock')}`, port: 0 }, { address: `unix://${back}`, port: 0 }], policy: { loadBalancer: 'ROUND_ROBIN' } }] }] }));
    for (let i = 0; i < 4; i++) expect(await ask({ port }, `m${i}`)).toBe(`second m${i}`);
    expect(proxy.counters().destinations[0]!.connectFailures).toBeGreaterThanOrEqual(1);
  });
});
