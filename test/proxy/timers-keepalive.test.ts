/**
 * Durations past 32 bits and TCP keepalive as the DestinationRule says, on both data paths: an
 * idle timeout of `1193h2m48s` (2^32 ms + 704 ms) keeps a connection open (a 32-bit timer fired
 * after 704 ms), and `tcpKeepalive.{time,interval,probes}` are what both legs of a proxied
 * connection carry, read back with getsockopt on the proxy's own sockets (found through /proc).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { nativeBinding, socketOptions } from '../../src/proxy/native/binding';
import type { Policy } from '../../src/model/types';
import { Harness, sleep } from '../helpers/harness';
import { freePort } from '../helpers/net';
import { tableOf } from '../helpers/table';

const h = new Harness();
afterEach(() => h.cleanup());

const binding = socketOptions();
const paths: ('native' | 'js')[] = nativeBinding() !== null ? ['native', 'js'] : ['js'];

/** 1193h2m48s: 4,294,968 s, which a 32-bit millisecond timer reads as 704 ms. */
const HUGE_MS = 4_294_968_000;

/** The descriptor (in this process) of the TCP socket from local port `local` to remote port `remote`. */
function socketFd(local: number, remote: number): number {
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | undefined;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[1]!.endsWith(`:${hex(local)}`) && f[2]!.endsWith(`:${hex(remote)}`)) inode = f[9];
    }
  }
  if (inode === undefined) throw new Error(`no socket ${local} → ${remote}`);
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === `socket:[${inode}]`) return Number(fd);
    } catch {
      // closed meanwhile
    }
  }
  throw new Error(`socket inode ${inode} is not open in this process`);
}

describe.each(paths)('%s data path', (dataPath) => {
  async function proxied(backend: number, policy: Partial<Policy>) {
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ policy, endpoints: [{ port: backend }] }] }] }));
    return { port, proxy };
  }

  test('idleTimeout 1193h2m48s: the connection is still open after a second of silence', async () => {
    const { port } = await proxied(await h.echo('one'), { idleTimeoutMs: HUGE_MS, connectTimeoutMs: HUGE_MS });
    const c = await h.client(port);
    expect(await c.send('a')).toBe('one a');
    await sleep(1200);
    expect(await c.send('b')).toBe('one b');
  });

  (binding !== null ? test : test.skip)('tcpKeepalive time, interval and probes are set on both legs', async () => {
    let upstreamPort = 0;
    const backend = await h.server((s) => {
      upstreamPort = s.remotePort ?? 0;
      s.on('data', (d: Buffer) => s.write(d));
    });
    const { port } = await proxied(backend, { tcpKeepalive: { timeMs: 7000, intervalMs: 3000, probes: 4 } });
    const c = await h.client(port);
    expect(await c.send('ping')).toBe('ping');
    const downstream = socketFd(port, c.socket.localPort!); // the proxy's accepted socket
    const upstream = socketFd(upstreamPort, backend); // the proxy's dialled socket
    for (const fd of [downstream, upstream]) expect(binding!.keepaliveOf(fd)).toEqual([1, 7, 3, 4]);
  });
});
