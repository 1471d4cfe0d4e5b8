/**
 * The PROXY protocol on real sockets, on both data paths: a header (v1, v2) sent to backends that
 * ask for it, carrying the client's and the listener's addresses; headers read and removed on
 * accept-proxy-protocol listeners, whose address then goes to the backend's header and to
 * stickiness; connections without a valid header closed and counted; a PROXY header then a
 * ClientHello on one socket.
 */
import * as net from 'node:net';
import { withConnectionPolicies } from '../../src/model/connections';
import { createMetrics } from '../../src/admin/metrics';
import { nativeBinding } from '../../src/proxy/native/binding';
import { idleReconciler } from '../helpers/idle-reconciler';
import { metric, parseMetrics } from '../helpers/prom';
import { proxyHeaderV2, readProxyHeader } from '../../src/proxy/preamble/proxy-protocol';
import type { TcpProxy } from '../../src/proxy/proxy';
import * as tls from 'node:tls';
import { Harness } from '../helpers/harness';
import { freePort, waitFor } from '../helpers/net';
import { socketEntries, tableFrom, to } from '../helpers/sni-table';
import { selfSigned, tlsEcho } from '../helpers/tls';

const h = new Harness();
afterEach(() => h.cleanup());

const paths: ('native' | 'js')[] = nativeBinding() !== null ? ['native', 'js'] : ['js'];

/** A backend that answers each connection with the JSON of the PROXY header it read and the bytes after it, then closes. */
async function headerBackend(name = 'b'): Promise<number> {
  return h.server((s) => {
    let got = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const v = readProxyHeader(got);
      if (v.kind === 'more') return;
      const rest = v.kind === 'header' ? got.subarray(v.length).toString() : '';
      if (v.kind === 'header' && !rest.endsWith('\n')) return;
      s.end(JSON.stringify({ name, header: v, raw: got.subarray(0, v.kind === 'header' ? v.length : 0).toString('latin1'), rest }));
    });
  });
}

/** Connects from 127.0.0.1, writes `bytes`, resolves with the reply (parsed; null when closed or reset without one) and the local port it connected from. */
function send(port: number, bytes: Buffer | string | null): Promise<{ reply: any; from: number }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let data = '';
    let from = -1;
    s.setEncoding('utf8');
    s.on('data', (d: string) => (data += d));
    s.on('error', () => undefined);
    s.on('close', () => resolve({ reply: data === '' ? null : JSON.parse(data), from }));
    s.on('connect', () => {
      from = s.localPort ?? -1;
      if (bytes !== null) s.write(bytes);
    });
  });
}

describe.each(paths)('%s data path', (dataPath) => {
  async function serve(listeners: ReturnType<typeof socketEntries>, preambleTimeoutMs?: number): Promise<TcpProxy> {
    const proxy = h.proxy({ dataPath, ...(preambleTimeoutMs !== undefined ? { preambleTimeoutMs } : {}) });
    await proxy.swap(tableFrom(listeners));
    expect(proxy.dataPath).toBe(dataPath);
    return proxy;
  }
  const rejected = (proxy: TcpProxy) => Object.fromEntries(proxy.counters().proxyProtocolRejected.map((r) => [r.reason, r.count]));

  test('to backends: v1 and v2 headers carry the client and the listener address, before the first byte', async () => {
    const b = await headerBackend();
    const [p1, p2, none] = [await freePort(), await freePort(), await freePort()];
    await serve([
      ...socketEntries(p1, [{ destinations: [to(b, 'v1', { proxyProtocol: 'V1' })] }]),
      ...socketEntries(p2, [{ destinations: [to(b, 'v1', { proxyProtocol: 'V2' })] }]),
      ...socketEntries(none, [{ destinations: [to(b)] }]),
    ]);
    const v1 = await send(p1, 'hello\n');
    expect(v1.reply.raw).toBe(`PROXY TCP4 127.0.0.1 127.0.0.1 ${v1.from} ${p1}\r\n`);
    expect(v1.reply.rest).toBe('hello\n');
    const v2 = await send(p2, 'hello\n');
    expect(v2.reply.header).toEqual({ kind: 'header', version: 2, length: 28, source: { address: '127.0.0.1', port: v2.from }, destination: { address: '127.0.0.1', port: p2 } });
    expect(v2.reply.rest).toBe('hello\n');
    expect((await send(none, 'plain\n')).reply.header).toEqual({ kind: 'rejected', reason: 'not_proxy' });
  });

  test('from a load balancer: the header is removed and its client is what the backend\'s header carries', async () => {
    const b = await headerBackend();
    const port = await freePort();
    const proxy = await serve(socketEntries(port, [{ destinations: [to(b, 'v1', { proxyProtocol: 'V1' })] }], { acceptProxyProtocol: true }));
    const v1in = await send(port, 'PROXY TCP4 203.0.113.7 198.51.100.1 5555 443\r\nhello\n');
    expect(v1in.reply.raw).toBe('PROXY TCP4 203.0.113.7 198.51.100.1 5555 443\r\n');
    expect(v1in.reply.rest).toBe('hello\n');
    const v2in = await send(port, Buffer.concat([proxyHeaderV2({ address: '2001:db8::9', port: 4000 }, { address: '2001:db8::1', port: 443 }), Buffer.from('six\n')]));
    expect(v2in.reply.raw).toBe('PROXY TCP6 2001:db8::9 2001:db8::1 4000 443\r\n');
    expect(v2in.reply.rest).toBe('six\n');
    // v2 LOCAL (a health check): the socket's own peer stands.
    const local = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0x00, 0x00]);
    const lc = await send(port, Buffer.concat([local, Buffer.from('local\n')]));
    expect(lc.reply.raw).toBe(`PROXY TCP4 127.0.0.1 127.0.0.1 ${lc.from} ${port}\r\n`);
    expect(lc.reply.rest).toBe('local\n');
    // The inbound headers are not counted as bytes received from clients: 'hello\n', 'six\n', 'local\n'.
    await waitFor(() => proxy.counters().active === 0, 3000, 'closed');
    expect(proxy.counters().destinations[0]!.bytesReceived).toBe(6 + 4 + 6);
  });

  test('without a valid header: closed and counted by reason (not_proxy, invalid, timeout, closed)', async () => {
    const b = await headerBackend();
    const port = await freePort();
    const proxy = await serve(socketEntries(port, [{ destinations: [to(b)] }], { acceptProxyProtocol: true }), 300);
    expect((await send(port, 'hello\n')).reply).toBeNull();
    expect((await send(port, 'PROXY TCP4 1.2.3.4\r\n')).reply).toBeNull();
    expect((await send(port, null)).reply).toBeNull();
    await new Promise<void>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => s.end('PROXY TCP4 '));
      s.on('error', () => undefined);
      s.on('close', () => resolve());
    });
    await waitFor(() => rejected(proxy)['timeout'] === 1 && rejected(proxy)['closed'] === 1, 5000, () => `counted: ${JSON.stringify(rejected(proxy))}`);
    expect(rejected(proxy)).toEqual({ not_proxy: 1, invalid: 1, timeout: 1, closed: 1 });
    expect(proxy.snapshot().proxyProtocolRejected).toContainEqual({ listener: `127.0.0.1:${port}`, reason: 'not_proxy', count: 1 });
    const m = parseMetrics(await createMetrics(proxy, idleReconciler, false).render());
    expect(metric(m, 'tcpshift_proxy_protocol_rejected_total', { listener: `127.0.0.1:${port}`, reason: 'invalid' })).toBe(1);
    expect(proxy.counters().destinations[0]).toMatchObject({ opened: 0 });
  });

  test('stickiness sourceIP follows the address in the PROXY header, not the socket\'s', async () => {
    const [one, two] = [await headerBackend('one'), await headerBackend('two')];
    const port = await freePort();
    const t = withConnectionPolicies(tableFrom(socketEntries(port, [{ destinations: [to(one, 'v1', {}, 50), to(two, 'v2', {}, 50)] }], { acceptProxyProtocol: true })), () => ({ stickiness: 'sourceIP' }));
    const proxy = h.proxy({ dataPath });
    await proxy.swap(t);
    const from = async (ip: string) => (await send(port, `PROXY TCP4 ${ip} 10.9.9.9 1000 443\r\nx\n`)).reply.name as string;
    const first = await from('10.1.1.1');
    for (let i = 0; i < 5; i++) expect(await from('10.1.1.1')).toBe(first);
    const seen = new Set<string>();
    for (let i = 0; i < 24; i++) seen.add(await from(`10.2.0.${i}`));
    expect([...seen].sort()).toEqual(['one', 'two']);
  });

  test('a PROXY header, then a ClientHello: routed by SNI, the header removed, the TLS handshake completes', async () => {
    const [a, f] = [await tlsEcho('a'), await tlsEcho('fallback')];
    h.defer(a.close);
    h.defer(f.close);
    const port = await freePort();
    await serve(socketEntries(port, [{ sni: ['a.example.com'], destinations: [to(a.port)] }, { destinations: [to(f.port)] }], { tls: true, acceptProxyProtocol: true }));
    const request = (servername: string) => new Promise<string>((resolve, reject) => {
      const raw = net.connect({ host: '127.0.0.1', port }, () => {
        raw.write('PROXY TCP4 192.0.2.1 192.0.2.2 1234 443\r\n');
        const s = tls.connect({ socket: raw, servername, ca: selfSigned().cert, checkServerIdentity: () => undefined });
        let got = '';
        s.setEncoding('utf8');
        s.on('secureConnect', () => s.write('hi'));
        s.on('data', (d: string) => (got += d));
        s.on('end', () => resolve(got));
        s.on('error', reject);
      });
      raw.on('error', reject);
    });
    expect(await request('a.example.com')).toBe('a a.example.com hi');
    expect(await request('b.example.com')).toBe('fallback b.example.com hi');
  });
});
