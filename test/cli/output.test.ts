/** One output flag everywhere (`-o text|json|yaml`), `get` as a table and `get all`, `version`, and help with no arguments. */
import { parse } from 'yaml';
import type { App } from '../../src/app';
import { tcpshift, tcpshiftAsync } from '../helpers/cli';
import { Harness } from '../helpers/harness';
import { servingInstance } from '../helpers/instance';
import { freePort } from '../helpers/net';
import { split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

describe('against a running instance', () => {
  let app: App;
  let admin: string;

  beforeEach(async () => {
    const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
    ({ app, admin } = await servingInstance(h, split8020Files(ports)));
  });

  test('get without -o prints a table with the weights; get all lists every applied resource', async () => {
    const vs = await tcpshiftAsync(['get', 'vs', '--admin', admin]);
    expect(vs.code).toBe(0);
    expect(vs.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^NAME +NAMESPACE +ROUTES$/),
      expect.stringMatching(/^tcp-echo +default +tcp-echo\/v1 80, tcp-echo\/v2 20$/),
    ]);
    const all = await tcpshiftAsync(['get', 'all', '--admin', admin]);
    expect(all.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/)[0])).toEqual([
      'gateway/tcp-echo-gateway', 'virtualservice/tcp-echo', 'destinationrule/tcp-echo-destination', 'service/tcp-echo',
      'workloadentry/tcp-echo-v1', 'workloadentry/tcp-echo-v2',
    ]);
    const allYaml = parse((await tcpshiftAsync(['get', 'all', '-o', 'yaml', '--admin', admin])).stdout) as { kind: string; items: unknown[] };
    expect([allYaml.kind, allYaml.items.length]).toEqual(['List', 6]);
  });

  test('get -o yaml includes metadata.namespace', async () => {
    const r = await tcpshiftAsync(['get', 'vs', 'tcp-echo', '-o', 'yaml', '--admin', admin]);
    expect(parse(r.stdout)).toMatchObject({ kind: 'VirtualService', metadata: { name: 'tcp-echo', namespace: 'default' } });
  });

  test('status and history take -o yaml as well as -o json', async () => {
    const status = await tcpshiftAsync(['status', '-o', 'yaml', '--admin', admin]);
    expect(parse(status.stdout)).toMatchObject({ ready: true, lastOutcome: 'applied' });
    const history = await tcpshiftAsync(['history', '-o', 'yaml', '--admin', admin]);
    expect(parse(history.stdout)).toEqual([expect.objectContaining({ revision: app.reconciler.status().lastAppliedRevision })]);
  });
});

test('no arguments: the help, exit 0', () => {
  const r = tcpshift([]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Usage: tcpshift /);
  expect(r.stdout).toMatch(/^ {2}version /m);
});

test('version: tcpshift, Node.js, the native data path and git; --version prints the version alone', () => {
  const r = tcpshift(['version', '-o', 'json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ tcpshift: expect.stringMatching(/^\d+\.\d+\.\d+/), node: process.versions.node, nativeDataPath: { on: expect.any(Boolean) }, git: expect.stringMatching(/^\d/) });
  const off = tcpshift(['version'], { env: { TCPSHIFT_NATIVE: '0' } });
  expect(off.stdout).toMatch(/^native +off: switched off \(TCPSHIFT_NATIVE=0\)/m);
  expect(tcpshift(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});
