/** `tcpshift diff`: one document shape for -o json|yaml whatever happens, and `--live DIR` against a running instance. */
import { parse } from 'yaml';
import type { App } from '../../src/app';
import { tcpshift, tcpshiftAsync } from '../helpers/cli';
import { gitRepo } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { servingInstance } from '../helpers/instance';
import { freePort } from '../helpers/net';
import { allV1Files, split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

const ports = { gateway: 31400, v1: 9000, v2: 9001 };
const KEYS = ['base', 'changed', 'changes', 'diagnostics', 'error', 'head', 'lines', 'summary'];

describe('tcpshift diff -o json|yaml: one shape always', () => {
  test('changes, an invalid side and an unknown revision give documents with the same keys', () => {
    const ok = tcpshift(['diff', '-o', 'json', h.folder(allV1Files(ports)), h.folder(split8020Files(ports))]);
    expect(ok.code).toBe(1);
    const bad = split8020Files(ports);
    bad['tcp-echo-all-v1.yaml'] = bad['tcp-echo-all-v1.yaml']!.replace('weight: 20', 'weight: -20');
    const invalid = tcpshift(['diff', '-o', 'json', h.folder(allV1Files(ports)), h.folder(bad)]);
    expect(invalid.code).toBe(2);
    const repo = gitRepo(allV1Files(ports));
    h.defer(async () => repo.cleanup());
    const unknown = tcpshift(['diff', '--json', '--repo', repo.work, 'no-such-branch', 'HEAD']);
    expect(unknown.code).toBe(2);
    for (const r of [ok, invalid, unknown]) expect(Object.keys(JSON.parse(r.stdout) as object).sort()).toEqual(KEYS);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ changed: false, changes: [], error: expect.stringMatching(/no-such-branch/), base: { ref: 'no-such-branch' }, head: { ref: 'HEAD' } });
    expect(JSON.parse(ok.stdout)).toMatchObject({ changed: true, error: null, diagnostics: [] });
  });

  test('usage mistakes are trouble too (2); --help is 0', () => {
    expect(tcpshift(['diff']).code).toBe(2);
    expect(tcpshift(['diff', '--no-such-flag', 'a', 'b']).code).toBe(2);
    expect(tcpshift(['diff', '-o', 'xml', 'a', 'b']).code).toBe(2);
    expect(tcpshift(['diff', '--help']).code).toBe(0);
  });

  test('-o yaml is the same document as YAML', () => {
    const r = tcpshift(['diff', '-o', 'yaml', h.folder(allV1Files(ports)), h.folder(split8020Files(ports))]);
    expect(r.code).toBe(1);
    expect(parse(r.stdout)).toMatchObject({ changed: true, summary: { weightsChanged: 1 }, error: null });
  });
});

describe('tcpshift diff --live DIR', () => {
  let app: App;
  let admin: string;
  let live: { gateway: number; v1: number; v2: number };

  beforeEach(async () => {
    live = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
    ({ app, admin } = await servingInstance(h, allV1Files(live)));
  });

  test('a working folder with the 80/20 split: the weights change against what the instance serves, exit 1', async () => {
    const dir = h.folder(split8020Files(live));
    const r = await tcpshiftAsync(['diff', '--live', dir, '--admin', admin, '--listen-host', '127.0.0.1']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`--- live ${admin} (${app.reconciler.status().lastAppliedRevision!.slice(0, 12)})`);
    expect(lines[1]).toBe(`+++ ${dir}`);
    expect(lines[2]).toBe(`~ 127.0.0.1:${live.gateway} tcp-echo v1 100% → 80%  +v2 0% → 20%`);
  });

  test('the folder the instance serves: no changes, exit 0; an unreachable instance: exit 2', async () => {
    const same = await tcpshiftAsync(['diff', '--live', h.folder(allV1Files(live)), '--admin', admin, '--listen-host', '127.0.0.1']);
    expect([same.code, same.stdout.trimEnd().split('\n').at(-1)]).toEqual([0, 'no changes']);
    const down = await tcpshiftAsync(['diff', '--live', h.folder(allV1Files(live)), '--admin', `127.0.0.1:${await freePort()}`]);
    expect([down.code, down.stderr]).toEqual([2, expect.stringMatching(/cannot reach/)]);
  });
});

test('PATH_NOT_FOUND says what to do in git terms: keep the folder with a .gitkeep', () => {
  const repo = gitRepo(allV1Files(ports, 'manifests'));
  h.defer(async () => repo.cleanup());
  repo.commit(Object.fromEntries(Object.keys(allV1Files(ports, 'manifests')).map((k) => [k, null])), 'delete every manifest');
  const r = tcpshift(['diff', '--repo', repo.work, 'HEAD~1', 'HEAD', '--path', 'manifests']);
  expect(r.code).toBe(2);
  expect(r.stdout).toMatch(/manifests: PATH_NOT_FOUND: .*touch manifests\/\.gitkeep && git add manifests\/\.gitkeep/);
});
