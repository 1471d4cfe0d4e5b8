/** The CLI as a user runs it: exit codes and output of validate, get, status, reconcile and run. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { App } from '../../src/app';
import { MAIN, tcpshift, tcpshiftAsync } from '../helpers/cli';
import { tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { servingInstance } from '../helpers/instance';
import { EXAMPLE_DIR } from '../helpers/manifests';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

const folder = (files: Record<string, string>): string => h.folder(files);

describe('tcpshift validate', () => {
  test('the example repo is valid: exit 0', () => {
    const r = tcpshift(['validate', join(EXAMPLE_DIR, 'manifests')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/valid: 3 file\(s\), 6 resource\(s\), 1 listener\(s\)/);
    expect(r.stderr).toMatch(/KIND_SKIPPED/);
  });

  test('single files are validated together as one commit', () => {
    const m = join(EXAMPLE_DIR, 'manifests');
    const r = tcpshift(['validate', join(m, 'tcp-echo-all-v1.yaml'), join(m, 'tcp-echo-workloads.yaml'), join(m, 'tcp-echo-services.yaml'), join(EXAMPLE_DIR, 'steps')]);
    // steps/ holds a second VirtualService named tcp-echo: a duplicate
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/DUPLICATE_RESOURCE/);
  });

  test('every error is printed as file:line:col: code: message, exit 1', () => {
    const ports = { gateway: 31400, v1: 9000, v2: 9001 };
    const files = split8020Files(ports);
    files['tcp-echo-all-v1.yaml'] = files['tcp-echo-all-v1.yaml']!.replace('weight: 20', 'weight: -20').replace('subset: v1', 'subset: v7');
    const dir = folder(files);
    const r = tcpshift(['validate', dir, '-q']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(new RegExp(`^${dir}/tcp-echo-all-v1\\.yaml:\\d+:\\d+: [A-Z_]+: `));
    expect(r.stdout).toMatch(/WEIGHT_NEGATIVE/);
    expect(r.stdout).toMatch(/UNKNOWN_SUBSET/);
  });

  test('a path that does not exist: exit 2', () => {
    expect(tcpshift(['validate', '/nonexistent/tcpshift']).code).toBe(2);
  });
});

describe('tcpshift get / status / reconcile against a running instance', () => {
  let app: App;
  let admin: string;

  beforeEach(async () => {
    const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
    ({ app, admin } = await servingInstance(h, split8020Files(ports)));
  });

  test('get virtualservice tcp-echo -o yaml prints the applied resource with weights 80/20', async () => {
    const r = await tcpshiftAsync(['get', 'virtualservice', 'tcp-echo', '-o', 'yaml', '--admin', admin]);
    expect(r.code).toBe(0);
    const vs = parse(r.stdout) as { kind: string; spec: { tcp: { route: { weight: number }[] }[] } };
    expect(vs.kind).toBe('VirtualService');
    expect(vs.spec.tcp[0]!.route.map((x) => x.weight)).toEqual([80, 20]);
  });

  test('kubectl short names and -o json work; a list without a name', async () => {
    const r = await tcpshiftAsync(['get', 'dr', 'tcp-echo-destination', '-o', 'json', '--admin', admin]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'DestinationRule', spec: { host: 'tcp-echo' } });
    const list = await tcpshiftAsync(['get', 'gateways', '-o', 'yaml', '--admin', admin]);
    expect(parse(list.stdout)).toMatchObject({ kind: 'List', items: [{ kind: 'Gateway' }] });
  });

  test('get: unknown name, unknown kind and unreachable admin exit 1 with a message', async () => {
    const missing = await tcpshiftAsync(['get', 'vs', 'nope', '--admin', admin]);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/NotFound/)]);
    const kind = await tcpshiftAsync(['get', 'pods', '--admin', admin]);
    expect([kind.code, kind.stderr]).toEqual([1, expect.stringMatching(/unknown kind/)]);
    const down = await tcpshiftAsync(['get', 'vs', '--admin', `127.0.0.1:${await freePort()}`]);
    expect([down.code, down.stderr]).toEqual([1, expect.stringMatching(/cannot reach/)]);
  });

  test('status prints the Ready condition, the revision and the weights', async () => {
    const r = await tcpshiftAsync(['status', '--admin', admin]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Ready:\s+True/);
    expect(r.stdout).toContain(app.reconciler.status().lastAppliedRevision!.slice(0, 12));
    expect(r.stdout).toMatch(/v1:9000\s+weight 80 \(80%\)/);
    expect(r.stdout).toMatch(/v2:9000\s+weight 20 \(20%\)/);
  });

  test('reconcile asks for a run and prints its outcome', async () => {
    const r = await tcpshiftAsync(['reconcile', '--admin', admin]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^noop [0-9a-f]{40}/);
  });
});

describe('tcpshift run as a process', () => {
  test('serves a --dir, and SIGTERM drains and exits 0', async () => {
    const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
    const dir = folder(split8020Files(ports));
    const state = tempDir();
    h.defer(async () => state.cleanup());
    const adminPort = await freePort();
    const p = spawn(process.execPath, [MAIN, 'run', '--dir', dir, '--state-dir', state.dir, '--admin', `127.0.0.1:${adminPort}`, '--listen-host', '127.0.0.1', '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    h.defer(async () => { p.kill('SIGKILL'); await exited; });
    await waitFor(() => out.includes('"outcome":"applied"'), 10_000, 'first apply');
    expect(await connectAndSend(ports.gateway, 'hi')).toMatch(/^(one|two) hi/);
    const summary = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'reconcile finished');
    expect(summary).toMatchObject({ outcome: 'applied', component: 'reconciler', revision: expect.stringMatching(/^dir:/) });
    expect(summary).toHaveProperty('durationMs');
    expect(summary).toHaveProperty('changes');
    p.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  test('run without --repo or --dir exits 2 with a message', () => {
    const r = tcpshift(['run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--repo/);
  });
});
