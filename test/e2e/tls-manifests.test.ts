/**
 * Istio TLS passthrough and PROXY protocol end to end: manifests committed to a real temp repo, served by
 * an in-process instance on Gateway ports, real clients and backends that record the bytes they receive.
 * 1. SNI routing (`tls[]` by `sniHosts`, weights, the `tcp` rule as fallback; without it the no-match
 *    client is closed and counted); `tcpshift status` names each entry's `tls[i]`.
 * 2. DestinationRule `proxyProtocol` V2 then V1 to backends; `tcpshift diff` shows the policy change.
 * 3. The Gateway annotation `tcpshift.io/accept-proxy-protocol` on the TLS socket: the header is read and
 *    stripped (and re-sent to a backend whose DestinationRule asks), a client without one is closed and counted.
 */
import * as net from 'node:net';
import { startApp, type App, type AppConfig } from '../../src/app';
import { testAppConfig } from '../helpers/app';
import { tcpshiftAsync } from '../helpers/cli';
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { freePort, waitFor } from '../helpers/net';
import { nodeHello } from '../helpers/tls';

const h = new Harness();
afterEach(() => h.cleanup());

/** What one backend connection received, once `enough` said so. */
interface Got { readonly name: string; readonly bytes: Buffer }

/** Plain TCP backends that never answer; each connection's bytes land in `got` once `enough` holds. */
async function recorders(names: readonly string[], got: Got[], enough: (b: Buffer) => boolean): Promise<Map<string, number>> {
  const ports = new Map<string, number>();
  for (const name of names) {
    ports.set(name, await h.server((s) => {
      let b = Buffer.alloc(0);
      s.on('error', () => undefined);
      s.on('data', (d: Buffer) => {
        b = Buffer.concat([b, d]);
        if (enough(b)) {
          got.push({ name, bytes: b });
          s.destroy();
        }
      });
    }));
  }
  return ports;
}

/** Ends with a whole TLS record (after any PROXY header). */
function endsWithRecord(b: Buffer): boolean {
  const at = b.indexOf(0x16);
  return at >= 0 && b.length >= at + 5 && b.length >= at + 5 + b.readUInt16BE(at + 3);
}

/** A raw client writing `bytes`; resolves with the local port once connected, and `closed` when the proxy closes it. */
function rawClient(port: number, bytes: Buffer): { local: Promise<number>; closed: Promise<void> } {
  const s = net.connect({ host: '127.0.0.1', port });
  h.defer(async () => { s.destroy(); });
  s.on('error', () => undefined);
  s.on('data', () => undefined);
  const local = new Promise<number>((resolve) => s.on('connect', () => { s.write(bytes); resolve(s.localPort!); }));
  const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
  return { local, closed };
}

/** An instance following a repo of `files`; `commit` applies a change and waits until it is the applied revision. */
async function instance(files: Record<string, string>, overrides: Partial<AppConfig> = {}): Promise<{ app: App; admin: string; repo: GitRepo; commit(f: Record<string, string | null>): Promise<string> }> {
  const repo = gitRepo(files);
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const app = await startApp(testAppConfig(repo.dir, state.dir, overrides), silent);
  h.defer(() => app.stop(500));
  const applied = (sha: string) => waitFor(() => app.reconciler.status().lastAppliedRevision === sha, 10_000, () => `apply ${sha}; status ${JSON.stringify(app.reconciler.status())}`);
  await applied(repo.sha());
  return {
    app, admin: `127.0.0.1:${app.adminPort}`, repo,
    async commit(f) {
      const sha = repo.commit(f);
      await app.reconciler.trigger('manual');
      await applied(sha);
      return sha;
    },
  };
}

/** ServiceEntries with one endpoint per version (`ports`: `host/version` → port) and DestinationRules with subsets; `pp`: host → trafficPolicy YAML. */
function services(ports: ReadonlyMap<string, number>, pp: ReadonlyMap<string, string> = new Map()): string {
  const hosts = [...new Set([...ports.keys()].map((k) => k.split('/')[0]!))];
  return hosts.map((host) => {
    const eps = [...ports].filter(([k]) => k.startsWith(`${host}/`)).map(([k, p]) => `  - {address: 127.0.0.1, ports: {tcp: ${p}}, labels: {version: ${k.split('/')[1]}}}`);
    const versions = [...ports.keys()].filter((k) => k.startsWith(`${host}/`)).map((k) => `  - {name: ${k.split('/')[1]}, labels: {version: ${k.split('/')[1]}}${pp.has(`${host}/${k.split('/')[1]}`) ? `, trafficPolicy: ${pp.get(`${host}/${k.split('/')[1]}`)}` : ''}}`);
    return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${host}}
spec:
  hosts: [${host}]
  ports: [{number: 9000, name: tcp, protocol: TCP}]
  resolution: STATIC
  endpoints:
${eps.join('\n')}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${host}}
spec:
  host: ${host}
${pp.has(host) ? `  trafficPolicy: ${pp.get(host)}\n` : ''}  subsets:
${versions.join('\n')}
`;
  }).join('---\n');
}

/** A Gateway with one TLS passthrough server on `port` (`annotations`: YAML flow map or ''). */
const tlsGateway = (port: number, annotations = '') => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw${annotations ? `, annotations: ${annotations}` : ''}}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: ${port}, name: tls, protocol: TLS}
    tls: {mode: PASSTHROUGH}
    hosts: ["*"]
`;

/** The case-1 VirtualService: a.example.com → a, *.b.example.com → b v1 80 / v2 20, then `fallback`: a tcp rule, a tls `*` rule, or none. */
const sniVs = (fallback: 'tcp' | 'star' | 'none') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: ["*"]
  gateways: [gw]
  tls:
  - match: [{sniHosts: [a.example.com]}]
    route: [{destination: {host: a, subset: v1}}]
  - match: [{sniHosts: ["*.b.example.com"]}]
    route:
    - {destination: {host: b, subset: v1}, weight: 80}
    - {destination: {host: b, subset: v2}, weight: 20}
${fallback === 'star' ? '  - match: [{sniHosts: ["*"]}]\n    route: [{destination: {host: fallback, subset: v1}}]\n' : ''}${fallback === 'tcp' ? '  tcp:\n  - route: [{destination: {host: fallback, subset: v1}}]\n' : ''}`;

const sumOf = (counts: readonly { reason: string; count: number }[] | undefined, reason: string) =>
  (counts ?? []).filter((c) => c.reason === reason).reduce((n, c) => n + c.count, 0);

test('1. SNI routing from Istio manifests: exact name, *.suffix with 80/20 weights, the tcp fallback; without it closed and counted', async () => {
  const got: Got[] = [];
  const ports = await recorders(['a/v1', 'b/v1', 'b/v2', 'fallback/v1'], got, endsWithRecord);
  const gw = await freePort();
  const { app, admin, commit } = await instance({ 'gw.yaml': tlsGateway(gw), 'vs.yaml': sniVs('tcp'), 'svc.yaml': services(ports) });
  const send = async (hello: Buffer, n: number) => {
    const before = got.length;
    for (let i = 0; i < n; i++) {
      rawClient(gw, hello);
      await waitFor(() => got.length === before + i + 1, 10_000, `connection ${i} of ${hello.length} bytes`);
    }
    return got.slice(before);
  };
  const helloA = await nodeHello('a.example.com');
  const [toA] = await send(helloA, 1);
  expect(toA!.name).toBe('a/v1');
  expect(toA!.bytes.equals(helloA)).toBe(true); // forwarded unchanged
  const helloB = await nodeHello('x.b.example.com');
  const toB = await send(helloB, 10);
  expect(toB.filter((g) => g.name === 'b/v1')).toHaveLength(8);
  expect(toB.filter((g) => g.name === 'b/v2')).toHaveLength(2);
  expect(toB.every((g) => g.bytes.equals(helloB))).toBe(true);
  const other = await nodeHello('zzz.example.org');
  const none = await nodeHello(); // to an IP: no server_name extension
  expect((await send(other, 1))[0]!.name).toBe('fallback/v1');
  expect((await send(none, 1))[0]).toMatchObject({ name: 'fallback/v1', bytes: none });

  const status = await tcpshiftAsync(['status', '--admin', admin]);
  const lines = status.stdout.split('\n');
  expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  127\\.0\\.0\\.1:${gw} sni=a\\.example\\.com  gateway default/gw  route default/vs tls\\[0\\]`)));
  expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  127\\.0\\.0\\.1:${gw} sni=\\*\\.b\\.example\\.com  gateway default/gw  route default/vs tls\\[1\\]`)));
  expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  127\\.0\\.0\\.1:${gw} \\(TLS fallback\\)  gateway default/gw  route default/vs tcp\\[0\\]`)));
  const json = JSON.parse((await tcpshiftAsync(['status', '-o', 'json', '--admin', admin])).stdout) as { listeners: { key: string; route: { section?: string } }[] };
  expect(json.listeners.find((l) => l.key === `127.0.0.1:${gw} sni=a.example.com`)?.route.section).toBe('tls');

  await commit({ 'vs.yaml': sniVs('none') });
  const noMatch = () => sumOf(app.proxy.snapshot().sniUnmatched, 'no_match');
  const before = noMatch();
  const seen = got.length;
  await rawClient(gw, other).closed;
  await waitFor(() => noMatch() === before + 1, 10_000, () => `no_match count; ${JSON.stringify(app.proxy.snapshot().sniUnmatched)}`);
  expect(got.length).toBe(seen);

  // A tls rule for `*` is the socket's fallback entry: status names it tls[2], from the snapshot's route.section.
  await commit({ 'vs.yaml': sniVs('star') });
  expect((await send(other, 1))[0]!.name).toBe('fallback/v1');
  const star = (await tcpshiftAsync(['status', '--admin', admin])).stdout.split('\n');
  expect(star).toContainEqual(expect.stringMatching(new RegExp(`^  127\\.0\\.0\\.1:${gw} \\(TLS fallback\\)  gateway default/gw  route default/vs tls\\[2\\]`)));
});

/** `vs` routing TCP `port` to `a` subset `subset`. */
const tcpVs = (subset: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: ["*"]
  gateways: [gw]
  tcp:
  - route: [{destination: {host: a, subset: ${subset}}}]
`;

/** The PROXY v2 header's source and destination (TCP over IPv4), or null when `b` does not start with one. */
function parseV2(b: Buffer): { src: string; dst: string } | null {
  if (!b.subarray(0, 12).equals(Buffer.from('\r\n\r\n\0\r\nQUIT\n', 'latin1')) || b[12] !== 0x21 || b[13] !== 0x11) return null;
  const ip = (at: number) => [...b.subarray(at, at + 4)].join('.');
  return { src: `${ip(16)}:${b.readUInt16BE(24)}`, dst: `${ip(20)}:${b.readUInt16BE(26)}` };
}

test('2. PROXY protocol to backends from a DestinationRule: subset v2 sends V2, the top level V1; diff shows a change of it', async () => {
  const got: Got[] = [];
  const ports = await recorders(['a/v1', 'a/v2'], got, (b) => b.includes('hello'));
  const gw = await freePort();
  const gateway = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: ${gw}, name: tcp, protocol: TCP}
    hosts: ["*"]
`;
  const svc = services(ports, new Map([['a', '{proxyProtocol: {version: V1}}'], ['a/v2', '{proxyProtocol: {version: V2}}']]));
  const { repo, commit } = await instance({ 'gw.yaml': gateway, 'vs.yaml': tcpVs('v2'), 'svc.yaml': svc });
  const first = repo.sha();

  const c2 = rawClient(gw, Buffer.from('hello'));
  const cport2 = await c2.local;
  await waitFor(() => got.length === 1, 10_000, 'the v2 connection');
  expect(got[0]!.name).toBe('a/v2');
  expect(parseV2(got[0]!.bytes)).toEqual({ src: `127.0.0.1:${cport2}`, dst: `127.0.0.1:${gw}` });
  expect(got[0]!.bytes.subarray(16 + got[0]!.bytes.readUInt16BE(14)).toString()).toBe('hello');

  const second = await commit({ 'vs.yaml': tcpVs('v1') });
  const c1 = rawClient(gw, Buffer.from('hello'));
  const cport1 = await c1.local;
  await waitFor(() => got.length === 2, 10_000, 'the v1 connection');
  expect(got[1]).toMatchObject({ name: 'a/v1' });
  expect(got[1]!.bytes.toString('latin1')).toBe(`PROXY TCP4 127.0.0.1 127.0.0.1 ${cport1} ${gw}\r\nhello`);

  // Moving the route changes weights, not any destination's policy; changing the top level V1 → V2 is a policy change.
  expect((await tcpshiftAsync(['diff', '--repo', repo.work, first, second])).stdout).not.toMatch(/proxyProtocol/);
  const third = await commit({ 'svc.yaml': services(ports, new Map([['a', '{proxyProtocol: {version: V2}}']])) });
  const diff = await tcpshiftAsync(['diff', '--repo', repo.work, second, third]);
  expect(diff.code).toBe(1);
  expect(diff.stdout).toMatch(/policy.*proxyProtocol V1 → V2/);
  const c3 = rawClient(gw, Buffer.from('hello'));
  const cport3 = await c3.local;
  await waitFor(() => got.length === 3, 10_000, 'the connection after the policy change');
  expect(got[2]).toMatchObject({ name: 'a/v1' });
  expect(parseV2(got[2]!.bytes)).toEqual({ src: `127.0.0.1:${cport3}`, dst: `127.0.0.1:${gw}` });
});

test('3. accepting PROXY protocol on a TLS socket (Gateway annotation): header read and stripped, re-sent by a DestinationRule; without one closed and counted', async () => {
  const got: Got[] = [];
  const ports = await recorders(['a/v1', 'b/v1', 'b/v2', 'fallback/v1'], got, endsWithRecord);
  const gw = await freePort();
  const annotated = tlsGateway(gw, '{tcpshift.io/accept-proxy-protocol: "true"}');
  const svc = services(ports, new Map([['a', '{proxyProtocol: {version: V1}}']]));
  const { app, admin, commit } = await instance({ 'gw.yaml': annotated, 'vs.yaml': sniVs('tcp'), 'svc.yaml': svc });
  const hello = await nodeHello('a.example.com');
  const header = Buffer.from('PROXY TCP4 203.0.113.7 127.0.0.1 5555 443\r\n', 'latin1');
  rawClient(gw, Buffer.concat([header, hello]));
  await waitFor(() => got.length === 1, 10_000, 'the connection with a PROXY header');
  expect(got[0]!.name).toBe('a/v1');
  const text = got[0]!.bytes.toString('latin1');
  const eol = text.indexOf('\r\n');
  expect(text.slice(0, eol)).toMatch(/^PROXY TCP4 203\.0\.113\.7 127\.0\.0\.1 5555 \d+$/); // the original client, not the proxy's peer
  expect(got[0]!.bytes.subarray(eol + 2).equals(hello)).toBe(true);

  const rejected = () => sumOf(app.proxy.snapshot().proxyProtocolRejected, 'not_proxy');
  const before = rejected();
  await rawClient(gw, hello).closed;
  await waitFor(() => rejected() === before + 1, 10_000, () => `not_proxy count; ${JSON.stringify(app.proxy.snapshot().proxyProtocolRejected)}`);
  expect(got).toHaveLength(1);

  await commit({ 'gw.yaml': tlsGateway(gw) });
  const status = await tcpshiftAsync(['status', '--admin', admin]);
  expect(status.stdout).toMatch(/accept PROXY protocol on → off/);
});

test('--workers 2: the aggregated /status carries route.section (and no route.kind for a VirtualService) as the single-thread one does', async () => {
  const got: Got[] = [];
  const ports = await recorders(['a/v1', 'b/v1', 'b/v2', 'fallback/v1'], got, endsWithRecord);
  const gw = await freePort();
  const { app, admin } = await instance({ 'gw.yaml': tlsGateway(gw), 'vs.yaml': sniVs('star'), 'svc.yaml': services(ports) }, { workers: 2 });
  const sections = app.proxy.snapshot().listeners.map((l) => [l.key, l.route.section ?? null, l.route.kind ?? null]);
  expect(sections).toEqual(expect.arrayContaining([[`127.0.0.1:${gw}`, 'tls', null], [`127.0.0.1:${gw} sni=a.example.com`, 'tls', null]]));
  const lines = (await tcpshiftAsync(['status', '--admin', admin])).stdout.split('\n');
  expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  127\\.0\\.0\\.1:${gw} \\(TLS fallback\\)  gateway default/gw  route default/vs tls\\[2\\]`)));
});
