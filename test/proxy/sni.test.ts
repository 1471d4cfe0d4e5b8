/**
 * TLS passthrough by SNI on real sockets, on both data paths: real TLS clients (node:tls, openssl
 * s_client) through one socket with several SNI entries to backends that terminate TLS — the
 * handshake completes through the proxy, so the bytes went through unchanged — and the
 * connections no entry takes (no match, no SNI, not TLS, too large, nothing sent, closed), each
 * closed and counted.
 */
import * as net from 'node:net';
import { createMetrics } from '../../src/admin/metrics';
import { nativeBinding } from '../../src/proxy/native/binding';
import { idleReconciler } from '../helpers/idle-reconciler';
import { metric, parseMetrics } from '../helpers/prom';
import { Harness } from '../helpers/harness';
import { freePort, waitFor } from '../helpers/net';
import { socketEntries, tableFrom, to } from '../helpers/sni-table';
import { hasOpenssl, nodeHello, opensslRequest, selfSigned, tlsEcho, tlsRequest } from '../helpers/tls';

const h = new Harness();
afterEach(() => h.cleanup());

const paths: ('native' | 'js')[] = nativeBinding() !== null ? ['native', 'js'] : ['js'];

/** Connects, writes `bytes` (nothing when null), resolves with what came back once the proxy closes the socket. */
function raw(port: number, bytes: Buffer | null, end = false): Promise<{ data: Buffer; error: string | null }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const got: Buffer[] = [];
    let error: string | null = null;
    s.on('data', (d: Buffer) => got.push(d));
    s.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    s.on('close', () => resolve({ data: Buffer.concat(got), error }));
    s.on('connect', () => {
      if (bytes !== null) s.write(bytes);
      if (end) s.end();
    });
  });
}

/** True when a TLS client is closed (a FIN or a reset) before any TLS answer. */
async function refused(port: number, servername: string | undefined): Promise<boolean> {
  const got = await tlsRequest(port, servername, 'hi', selfSigned().cert).catch(() => '');
  return got === '';
}

describe.each(paths)('%s data path', (dataPath) => {
  async function tlsBackend(name: string): Promise<number> {
    const b = await tlsEcho(name);
    h.defer(b.close);
    return b.port;
  }

  async function serve(entries: Parameters<typeof socketEntries>[1], preambleTimeoutMs?: number) {
    const port = await freePort();
    const proxy = h.proxy({ dataPath, ...(preambleTimeoutMs !== undefined ? { preambleTimeoutMs } : {}) });
    await proxy.swap(tableFrom(socketEntries(port, entries, { tls: true })));
    expect(proxy.dataPath).toBe(dataPath);
    return { port, proxy };
  }

  const unmatched = (proxy: ReturnType<Harness['proxy']>) => Object.fromEntries(proxy.counters().sniUnmatched.map((r) => [r.reason, r.count]));

  test('exact name, then the longest *.suffix, then the fallback: the TLS handshake completes through the proxy', async () => {
    const [exact, deep, wide, fallback] = await Promise.all(['exact', 'deep', 'wide', 'fallback'].map(tlsBackend));
    const { port, proxy } = await serve([
      { sni: ['*.example.com'], destinations: [to(wide!, 'wide')] },
      { sni: ['api.example.com', 'API2.example.com'.toLowerCase()], destinations: [to(exact!, 'exact')] },
      { sni: ['*.b.example.com'], destinations: [to(deep!, 'deep')] },
      { destinations: [to(fallback!, 'fallback')] },
    ]);
    const { cert } = selfSigned();
    expect(await tlsRequest(port, 'api.example.com', 'hi', cert)).toBe('exact api.example.com hi');
    expect(await tlsRequest(port, 'api2.example.com', 'hi', cert)).toBe('exact api2.example.com hi');
    expect(await tlsRequest(port, 'x.b.example.com', 'hi', cert)).toBe('deep x.b.example.com hi');
    expect(await tlsRequest(port, 'y.example.com', 'hi', cert)).toBe('wide y.example.com hi');
    expect(await tlsRequest(port, 'z.y.example.com', 'hi', cert)).toBe('wide z.y.example.com hi');
    expect(await tlsRequest(port, 'other.org', 'hi', cert)).toBe('fallback other.org hi');
    expect(await tlsRequest(port, undefined, 'hi', cert)).toBe('fallback - hi');
    // One bound socket; each entry keeps its own route state.
    expect(proxy.listeners().map((l) => l.key)).toEqual([`127.0.0.1:${port}`]);
    await waitFor(() => proxy.counters().active === 0, 3000, 'closed');
    const snap = proxy.snapshot();
    expect(snap.listeners.map((l) => [l.key, l.boundPort, l.route.destinations[0]!.opened])).toEqual([
      [`127.0.0.1:${port} sni=*.example.com`, port, 2],
      [`127.0.0.1:${port} sni=api.example.com`, port, 2],
      [`127.0.0.1:${port} sni=*.b.example.com`, port, 1],
      [`127.0.0.1:${port}`, port, 2],
    ]);
    expect(snap.sniUnmatched).toEqual([]);
  });

  (hasOpenssl ? test : test.skip)('openssl s_client -servername: handshake through the proxy to the matching backend', async () => {
    const [a, b] = await Promise.all(['a', 'b'].map(tlsBackend));
    const { port } = await serve([{ sni: ['a.example.com'], destinations: [to(a!, 'a')] }, { sni: ['b.example.com'], destinations: [to(b!, 'b')] }]);
    expect(await opensslRequest(port, 'b.example.com', 'hello\n')).toBe('b b.example.com hello\n');
    expect(await opensslRequest(port, 'a.example.com', 'hello\n')).toBe('a a.example.com hello\n');
  });

  test('no fallback: an unknown name and a hello without SNI are closed and counted', async () => {
    const a = await tlsBackend('a');
    const { port, proxy } = await serve([{ sni: ['a.example.com'], destinations: [to(a, 'a')] }]);
    const { cert } = selfSigned();
    expect(await refused(port, 'other.example.org')).toBe(true);
    expect(await refused(port, undefined)).toBe(true);
    await waitFor(() => unmatched(proxy)['no_sni'] === 1, 3000, 'no_sni counted');
    expect(unmatched(proxy)).toEqual({ no_match: 1, no_sni: 1 });
    expect(proxy.snapshot().sniUnmatched).toEqual([
      { listener: `127.0.0.1:${port}`, reason: 'no_match', count: 1 },
      { listener: `127.0.0.1:${port}`, reason: 'no_sni', count: 1 },
    ]);
    expect(proxy.counters().destinations[0]).toMatchObject({ opened: 0 });
    const m = parseMetrics(await createMetrics(proxy, idleReconciler, false).render());
    expect(metric(m, 'tcpshift_sni_unmatched_total', { listener: `127.0.0.1:${port}`, reason: 'no_match' })).toBe(1);
  });

  test('the ClientHello in pieces, and the bytes after it, reach the backend exactly as sent', async () => {
    const hello = await nodeHello('split.example.com');
    let got = Buffer.alloc(0);
    const backend = await h.server((s) => s.on('data', (d: Buffer) => (got = Buffer.concat([got, d]))));
    const { port, proxy } = await serve([{ sni: ['split.example.com'], destinations: [to(backend)] }]);
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    h.defer(async () => void s.destroy());
    await new Promise<void>((r) => s.on('connect', () => r()));
    const cuts = [1, 5, 6, 60, hello.length];
    for (let i = 0; i < cuts.length; i++) {
      s.write(hello.subarray(i === 0 ? 0 : cuts[i - 1], cuts[i]));
      await new Promise((r) => setImmediate(r));
    }
    s.write('after');
    const want = Buffer.concat([hello, Buffer.from('after')]);
    await waitFor(() => got.length >= want.length, 3000, 'bytes at the backend');
    expect(got.equals(want)).toBe(true);
    expect(proxy.counters().destinations[0]).toMatchObject({ opened: 1 });
  });

  test('garbage, an oversize hello, a client that closes, and one that sends nothing: closed and counted by reason', async () => {
    const a = await tlsBackend('a');
    const { port, proxy } = await serve([{ destinations: [to(a)] }], 300);
    expect((await raw(port, Buffer.from('GET / HTTP/1.1\r\n\r\n'))).data.length).toBe(0);
    expect((await raw(port, Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01]))).data.length).toBe(0);
    // A handshake record announcing a 20,000-byte ClientHello.
    expect((await raw(port, Buffer.from([22, 3, 1, 0x40, 0x00, 1, 0x00, 0x4e, 0x20]))).data.length).toBe(0);
    expect((await raw(port, Buffer.from([22, 3, 1]), true)).data.length).toBe(0);
    expect((await raw(port, null)).data.length).toBe(0);
    await waitFor(() => unmatched(proxy)['timeout'] === 1, 5000, 'timeout counted');
    expect(unmatched(proxy)).toEqual({ not_tls: 2, too_large: 1, closed: 1, timeout: 1 });
    expect(proxy.counters().destinations[0]).toMatchObject({ opened: 0, active: 0 });
  });

  test('a swap that adds SNI entries to a bound socket: the socket stays, the new entry serves at once', async () => {
    const [a, b] = await Promise.all(['a', 'b'].map(tlsBackend));
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    await proxy.swap(tableFrom(socketEntries(port, [{ sni: ['a.example.com'], destinations: [to(a!, 'a')] }], { tls: true })));
    const { cert } = selfSigned();
    expect(await refused(port, 'b.example.com')).toBe(true);
    await proxy.swap(tableFrom(socketEntries(port, [{ sni: ['a.example.com'], destinations: [to(a!, 'a')] }, { sni: ['b.example.com'], destinations: [to(b!, 'b')] }], { tls: true })));
    expect(await tlsRequest(port, 'b.example.com', 'hi', cert)).toBe('b b.example.com hi');
    expect(proxy.listeners()).toHaveLength(1);
  });
});
