/** `tcpshift diff` (folders and revisions) and `tcpshift validate --format github`: output and exit codes, as a user runs them. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { githubAnnotation } from '../../src/cli/github-annotation';
import type { Diagnostic } from '../../src/errors';
import { tcpshift } from '../helpers/cli';
import { git, gitRepo, tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { routeFiles } from '../helpers/routes';
import { allV1Files, split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

const ports = { gateway: 31400, v1: 9000, v2: 9001 };

const folder = (files: Record<string, string>): string => h.folder(files);

function repo(files: Record<string, string>) {
  const r = gitRepo(files);
  h.defer(async () => r.cleanup());
  return r;
}

/** diff(1)'s exit codes: 0 same, 1 differences, 2 trouble. */
const CHANGED = 1;
const TROUBLE = 2;

const WEIGHTS_LINE = /^~ 0\.0\.0\.0:31400 tcp-echo v1 100% → 80%  \+v2 0% → 20%$/m;

describe('tcpshift diff DIR_A DIR_B', () => {
  test('the walkthrough commit: weights 100/0 → 80/20 on :31400, exit 1 (differences, as diff(1))', () => {
    const r = tcpshift(['diff', folder(allV1Files(ports)), folder(split8020Files(ports))]);
    expect(r.code).toBe(CHANGED);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^--- \/\S+$/);
    expect(lines[1]).toMatch(/^\+\+\+ \/\S+$/);
    expect(lines[2]).toMatch(WEIGHTS_LINE);
    expect(lines[3]).toBe('1 change: 1 weights changed');
    expect(lines).toHaveLength(4);
  });

  test('identical folders: "no changes", exit 0', () => {
    const r = tcpshift(['diff', folder(allV1Files(ports)), folder(allV1Files(ports))]);
    expect([r.code, r.stdout.trimEnd().split('\n').at(-1)]).toEqual([0, 'no changes']);
  });

  test('listeners and endpoints added and removed are each one line, grouped by listener', () => {
    const before = routeFiles({ gateway: 31400, v1: [9000], v2: [9001] });
    const r = tcpshift(['diff', folder(before), folder(routeFiles({ gateway: 31400, v1: [9000, 9002], v2: [9001] }))]);
    expect(r.code).toBe(CHANGED);
    expect(r.stdout).toMatch(/^~ 0\.0\.0\.0:31400 tcp-echo v1 endpoints \+127\.0\.0\.1:9002$/m);
    const gone = tcpshift(['diff', folder(routeFiles({ gateway: 31400, v1: [9000, 9002], v2: [9001] })), folder(routeFiles({ gateway: 31401, v1: [9000], v2: [9001] }))]);
    expect(gone.code).toBe(CHANGED);
    const lines = gone.stdout.trimEnd().split('\n').slice(2);
    expect(lines).toEqual([
      '- listener 0.0.0.0:31400 (gateway default/tcp-echo-gateway)',
      '+ listener 0.0.0.0:31401 (gateway default/tcp-echo-gateway) → tcp-echo v1 80%, v2 20%',
      '2 changes: 1 listener added, 1 listener removed',
    ]);
    const fewer = tcpshift(['diff', folder(before), folder(routeFiles({ gateway: 31400, v1: [9000], v2: [9003] }))]);
    expect(fewer.stdout).toMatch(/^~ 0\.0\.0\.0:31400 tcp-echo v2 endpoints \+127\.0\.0\.1:9003 -127\.0\.0\.1:9001$/m);
  });

  test('--json: typed changes, a summary and the rendered lines', () => {
    const r = tcpshift(['diff', '--json', folder(allV1Files(ports)), folder(split8020Files(ports))]);
    expect(r.code).toBe(CHANGED);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      changed: true,
      base: { revision: null }, head: { revision: null },
      summary: { weightsChanged: 1, listenersAdded: 0 },
      changes: [{ type: 'weights-changed', listener: '0.0.0.0:31400', destinations: [
        { subset: 'v1', oldPercent: 100, newPercent: 80 }, { subset: 'v2', change: 'added', oldPercent: 0, newPercent: 20 },
      ] }],
      lines: [expect.stringMatching(WEIGHTS_LINE)],
    });
    const same = tcpshift(['diff', '--json', folder(allV1Files(ports)), folder(allV1Files(ports))]);
    expect([same.code, (JSON.parse(same.stdout) as { changed: boolean }).changed]).toEqual([0, false]);
  });

  test('an invalid side: every error as file:line:col: code: message, exit 2 (also with --json)', () => {
    const bad = split8020Files(ports);
    bad['tcp-echo-all-v1.yaml'] = bad['tcp-echo-all-v1.yaml']!.replace('weight: 20', 'weight: -20');
    const dir = folder(bad);
    const r = tcpshift(['diff', folder(allV1Files(ports)), dir]);
    expect(r.code).toBe(TROUBLE);
    expect(r.stdout).toMatch(/^head \S+ is invalid \(1 error\(s\)\); nothing can be compared:$/m);
    expect(r.stdout).toMatch(new RegExp(`^  ${dir}/tcp-echo-all-v1\\.yaml:\\d+:\\d+: WEIGHT_NEGATIVE: `, 'm'));
    const base = tcpshift(['diff', dir, folder(allV1Files(ports))]);
    expect([base.code, base.stdout]).toEqual([TROUBLE, expect.stringMatching(/^base \S+ is invalid/m)]);
    const json = tcpshift(['diff', '--json', folder(allV1Files(ports)), dir]);
    expect(json.code).toBe(TROUBLE);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: expect.stringMatching(/^head .* is invalid$/), diagnostics: [{ code: 'WEIGHT_NEGATIVE', line: expect.any(Number) }] });
  });

  test('bad input: a folder that does not exist, --path without --repo, a missing argument: exit 2', () => {
    const missing = tcpshift(['diff', '/nonexistent/a', folder(allV1Files(ports))]);
    expect([missing.code, missing.stderr]).toEqual([TROUBLE, expect.stringMatching(/^error: .*nonexistent/)]);
    const path = tcpshift(['diff', '--path', 'x', folder(allV1Files(ports)), folder(allV1Files(ports))]);
    expect([path.code, path.stderr]).toEqual([TROUBLE, expect.stringMatching(/--path needs --repo/)]);
    expect(tcpshift(['diff', folder(allV1Files(ports))]).code).toBe(TROUBLE);
  });
});

describe('tcpshift diff --repo PATH BASE HEAD', () => {
  test('two commits, by any revision name, read from the commits (never the working tree)', () => {
    const r = repo(allV1Files(ports, 'manifests'));
    const base = r.sha();
    r.git('tag', 'v1-only');
    const head = r.commit(split8020Files(ports, 'manifests'), 'Shift 20% to v2');
    writeFileSync(join(r.work, 'manifests', 'tcp-echo-all-v1.yaml'), 'garbage: [');
    const out = tcpshift(['diff', '--repo', r.work, 'HEAD~1', 'HEAD', '--path', 'manifests']);
    expect(out.code).toBe(CHANGED);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([`--- HEAD~1 (${base.slice(0, 12)})`, `+++ HEAD (${head.slice(0, 12)})`, expect.stringMatching(WEIGHTS_LINE)]);
    expect(tcpshift(['diff', '--repo', r.work, 'v1-only', head.slice(0, 8), '--path', 'manifests']).code).toBe(CHANGED);
    expect(tcpshift(['diff', '--repo', r.work, 'main', 'HEAD', '--path', 'manifests']).stdout).toMatch(/^no changes$/m);
    const json = JSON.parse(tcpshift(['diff', '--json', '--repo', r.work, base, 'main', '--path', 'manifests']).stdout) as { base: unknown; head: unknown };
    expect(json).toMatchObject({ base: { ref: base, revision: base }, head: { ref: 'main', revision: head } });
  });

  test('in a clone, origin/main against HEAD: what merging the branch would change', () => {
    const upstream = repo(allV1Files(ports, 'manifests'));
    const t = tempDir();
    h.defer(async () => t.cleanup());
    const clone = join(t.dir, 'clone');
    git(t.dir, 'clone', '-q', upstream.work, clone);
    git(clone, 'checkout', '-q', '-b', 'shift');
    for (const [name, text] of Object.entries(split8020Files(ports, 'manifests'))) writeFileSync(join(clone, name), text);
    git(clone, '-c', 'user.name=PR Author', '-c', 'user.email=pr@example.com', 'commit', '-qam', 'Shift 20%');
    const r = tcpshift(['diff', '--repo', '.', 'origin/main', 'HEAD', '--path', 'manifests'], { cwd: clone });
    expect(r.code).toBe(CHANGED);
    expect(r.stdout).toMatch(/^--- origin\/main \([0-9a-f]{12}\)$/m);
    expect(r.stdout).toMatch(WEIGHTS_LINE);
  });

  test('a base without the --path folder serves nothing: the first pull request adds the listener', () => {
    const r = repo({ 'README.md': 'config' });
    r.commit(allV1Files(ports, 'manifests'));
    const out = tcpshift(['diff', '--repo', r.work, 'HEAD~1', 'HEAD', '--path', 'manifests']);
    expect(out.code).toBe(CHANGED);
    expect(out.stdout).toMatch(/^\+ listener 0\.0\.0\.0:31400 \(gateway default\/tcp-echo-gateway\) → tcp-echo v1 100%$/m);
  });

  test('a head without the --path folder is rejected like the reconciler does: PATH_NOT_FOUND, exit 2', () => {
    const r = repo(allV1Files(ports, 'manifests'));
    r.git('mv', 'manifests', 'renamed');
    r.commit({}, 'move the folder');
    const out = tcpshift(['diff', '--repo', r.work, 'HEAD~1', 'HEAD', '--path', 'manifests']);
    expect(out.code).toBe(TROUBLE);
    expect(out.stdout).toMatch(/manifests: PATH_NOT_FOUND: /);
  });

  test('an invalid head names the file inside the repo; an unknown revision or a non-repository is exit 2', () => {
    const r = repo(allV1Files(ports, 'manifests'));
    const bad = split8020Files(ports, 'manifests');
    bad['manifests/tcp-echo-all-v1.yaml'] = bad['manifests/tcp-echo-all-v1.yaml']!.replace('subset: v2', 'subset: v9');
    r.commit(bad);
    const out = tcpshift(['diff', '--repo', r.work, 'HEAD~1', 'HEAD', '--path', 'manifests']);
    expect(out.code).toBe(TROUBLE);
    expect(out.stdout).toMatch(/^ {2}manifests\/tcp-echo-all-v1\.yaml:\d+:\d+: UNKNOWN_SUBSET: /m);
    const unknown = tcpshift(['diff', '--repo', r.work, 'no-such-branch', 'HEAD']);
    expect([unknown.code, unknown.stderr]).toEqual([TROUBLE, expect.stringMatching(/no-such-branch is not a commit/)]);
    const option = tcpshift(['diff', '--repo', r.work, '--', '--output=/tmp/x', 'HEAD']);
    expect(option.code).toBe(TROUBLE);
    const notRepo = tempDir();
    h.defer(async () => notRepo.cleanup());
    expect(tcpshift(['diff', '--repo', notRepo.dir, 'HEAD', 'HEAD']).code).toBe(TROUBLE);
  });
});

describe('tcpshift validate --format github', () => {
  test('errors become ::error annotations with file, line and col; exit 1', () => {
    const bad = split8020Files(ports);
    bad['tcp-echo-all-v1.yaml'] = bad['tcp-echo-all-v1.yaml']!.replace('weight: 20', 'weight: -20');
    const dir = folder(bad);
    const r = tcpshift(['validate', '--format', 'github', dir]);
    expect(r.code).toBe(1);
    const annotations = r.stdout.trimEnd().split('\n');
    const error = annotations.find((l) => l.startsWith('::error '));
    expect(error).toMatch(new RegExp(`^::error file=${dir}/tcp-echo-all-v1\\.yaml,line=\\d+,col=\\d+,title=tcpshift WEIGHT_NEGATIVE::WEIGHT_NEGATIVE: .*weight`));
    expect(annotations.filter((l) => l.startsWith('::warning ')).length).toBeGreaterThan(0); // the skipped Service/Deployments
    expect(annotations.every((l) => l.startsWith('::'))).toBe(true);
    expect(tcpshift(['validate', '--format', 'github', '-q', dir]).stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  test('a valid folder prints no error annotation, exit 0; an unknown format is exit 1', () => {
    const dir = folder(allV1Files(ports));
    const r = tcpshift(['validate', '--format', 'github', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('::error');
    expect(tcpshift(['validate', '--format', 'sarif', dir]).code).toBe(1);
  });

  const d = (over: Partial<Diagnostic>): Diagnostic => ({ severity: 'error', code: 'WEIGHT_NEGATIVE', message: 'm', file: 'a.yaml', line: 3, col: 7, ...over });
  test.each([
    ['plain', d({}), '::error file=a.yaml,line=3,col=7,title=tcpshift WEIGHT_NEGATIVE::WEIGHT_NEGATIVE: m'],
    ['whole file: no line/col', d({ line: 0, col: 0, code: 'FILE_BINARY' }), '::error file=a.yaml,title=tcpshift FILE_BINARY::FILE_BINARY: m'],
    ['warning', d({ severity: 'warning', code: 'KIND_SKIPPED' }), '::warning file=a.yaml,line=3,col=7,title=tcpshift KIND_SKIPPED::KIND_SKIPPED: m'],
    ['escapes', d({ file: 'a,b:c.yaml', message: '100% bad\nnext' }), '::error file=a%2Cb%3Ac.yaml,line=3,col=7,title=tcpshift WEIGHT_NEGATIVE::WEIGHT_NEGATIVE: 100%25 bad%0Anext'],
    ['related', d({ code: 'DUPLICATE_RESOURCE', related: { file: 'b.yaml', line: 1, col: 1 } }), '::error file=a.yaml,line=3,col=7,title=tcpshift DUPLICATE_RESOURCE::DUPLICATE_RESOURCE: m (see b.yaml:1:1)'],
  ])('annotation: %s', (_name, diag, want) => {
    expect(githubAnnotation(diag)).toBe(want);
  });
});
