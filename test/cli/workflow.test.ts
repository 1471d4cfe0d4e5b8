/**
 * config-repo-example/.github/workflows/tcpshift.yaml, run for real: its shell steps (with `npx tcpshift`
 * pointing at the built CLI) in a clone of a config repo with a pull-request branch, then its
 * github-script step against a recording stand-in for the GitHub API.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MAIN } from '../helpers/cli';
import { git, gitRepo, tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { EXAMPLE_DIR } from '../helpers/manifests';
import { allV1Files, split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

interface Step { name?: string; id?: string; uses?: string; run?: string; if?: string; env?: Record<string, string>; with?: Record<string, unknown> }
interface Workflow { on: Record<string, unknown>; permissions: Record<string, string>; env?: Record<string, string>; jobs: Record<string, { steps: Step[] }> }

const workflow = parse(readFileSync(join(EXAMPLE_DIR, '.github', 'workflows', 'tcpshift.yaml'), 'utf8')) as Workflow;
const steps = Object.values(workflow.jobs)[0]!.steps;
const ports = { gateway: 31400, v1: 9000, v2: 9001 };

/** Replaces the `${{ … }}` expressions the workflow uses; an unknown one fails the test. */
function expand(text: string, outputs: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, e: string) => {
    if (e === 'github.base_ref') return 'main';
    const out = /^steps\.(\w+)\.outputs\.(\w+)$/.exec(e);
    if (out) return outputs[`${out[1]}.${out[2]}`] ?? '';
    throw new Error(`unexpected expression in the workflow: ${e}`);
  });
}

/** A clone of a config repo whose `pr` branch carries `files` over `main`; `npx` runs the built tcpshift. */
function pullRequest(files: Record<string, string>) {
  const upstream = gitRepo(allV1Files(ports, 'manifests'));
  const t = tempDir();
  h.defer(async () => { upstream.cleanup(); t.cleanup(); });
  const clone = join(t.dir, 'clone');
  git(t.dir, 'clone', '-q', upstream.work, clone);
  git(clone, 'checkout', '-q', '-b', 'pr');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(clone, name), text);
  git(clone, '-c', 'user.name=PR', '-c', 'user.email=pr@example.com', 'commit', '-q', '--allow-empty', '-am', 'pull request');
  const npx = join(t.dir, 'npx');
  writeFileSync(npx, `#!/bin/sh\nif [ "$1" = tcpshift ]; then shift; exec "${process.execPath}" "${MAIN}" "$@"; fi\necho "unexpected: npx $*" >&2\nexit 127\n`);
  chmodSync(npx, 0o755);
  const outputs: Record<string, string> = {};
  /** Runs a shell step as GitHub does (bash -eo pipefail), recording its $GITHUB_OUTPUT. */
  const runStep = (step: Step) => {
    const outFile = join(t.dir, `output-${step.id ?? 'step'}`);
    writeFileSync(outFile, '');
    const env = { ...process.env, ...workflow.env, ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), outputs)])) };
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', expand(step.run ?? '', outputs)], {
      cwd: clone, encoding: 'utf8', timeout: 20_000, env: { ...env, PATH: `${t.dir}:${process.env.PATH ?? ''}`, GITHUB_OUTPUT: outFile },
    });
    for (const line of readFileSync(outFile, 'utf8').split('\n').filter(Boolean)) {
      const eq = line.indexOf('=');
      outputs[`${step.id}.${line.slice(0, eq)}`] = line.slice(eq + 1);
    }
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return { clone, outputs, runStep };
}

const tcpshiftSteps = () => steps.filter((s) => s.run?.includes('npx tcpshift'));

test('the workflow: on pull_request, full history, Node 20, validate then diff, a comment', () => {
  expect(Object.keys(workflow.on)).toEqual(['pull_request']);
  expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  expect(steps.find((s) => s.uses?.startsWith('actions/checkout@'))?.with).toMatchObject({ 'fetch-depth': 0 });
  expect(steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with).toMatchObject({ 'node-version': 20 });
  const [validate, diff] = tcpshiftSteps();
  expect(validate!.run).toContain('npx tcpshift validate --strict -o github manifests');
  expect(diff!.run).toContain('npx tcpshift diff --repo . "origin/${BASE_REF}" HEAD --path manifests');
  expect(diff!.env).toEqual({ BASE_REF: '${{ github.base_ref }}' });
  expect(steps.find((s) => s.uses?.startsWith('actions/github-script@'))).toBeDefined();
});

test('a pull request shifting 20% to v2: validate passes, diff succeeds with changed=true and the weights line', () => {
  const pr = pullRequest(split8020Files(ports, 'manifests'));
  const [validate, diff] = tcpshiftSteps();
  const v = pr.runStep(validate!);
  expect([v.code, v.stdout]).toEqual([0, expect.not.stringContaining('::error')]);
  const d = pr.runStep(diff!);
  expect(d.code).toBe(0); // tcpshift diff exited 1 (changes, as diff(1)): a success for the step
  expect(pr.outputs['diff.changed']).toBe('true');
  const text = readFileSync(join(pr.clone, 'tcpshift-diff.txt'), 'utf8');
  expect(text).toMatch(/^--- origin\/main \([0-9a-f]{12}\)\n\+\+\+ HEAD \([0-9a-f]{12}\)\n~ 0\.0\.0\.0:31400 tcp-echo v1 100% → 80%  \+v2 0% → 20%\n1 change: 1 weights changed\n$/);
  expect(d.stdout).toBe(text);
});

test('a pull request that changes no route: diff succeeds with changed=false', () => {
  const pr = pullRequest({ 'manifests/README.md': 'docs only' });
  const [, diff] = tcpshiftSteps();
  expect(pr.runStep(diff!).code).toBe(0);
  expect(pr.outputs['diff.changed']).toBe('false');
  expect(readFileSync(join(pr.clone, 'tcpshift-diff.txt'), 'utf8')).toMatch(/^no changes$/m);
});

test('an invalid pull request: validate fails with an annotation on the file, and so does diff', () => {
  const bad = split8020Files(ports, 'manifests');
  bad['manifests/tcp-echo-all-v1.yaml'] = bad['manifests/tcp-echo-all-v1.yaml']!.replace('weight: 20', 'weight: -20');
  const pr = pullRequest(bad);
  const [validate, diff] = tcpshiftSteps();
  const v = pr.runStep(validate!);
  expect(v.code).toBe(1);
  expect(v.stdout).toMatch(/^::error file=manifests\/tcp-echo-all-v1\.yaml,line=\d+,col=\d+,title=tcpshift WEIGHT_NEGATIVE::/m);
  expect(pr.runStep(diff!).code).toBe(2); // trouble, as diff(1): the step fails with tcpshift's code
  expect(pr.outputs['diff.changed']).toBeUndefined();
});

test('--strict: a pull request with a misspelt field (wieght) fails validation with a warning annotation', () => {
  const typo = split8020Files(ports, 'manifests');
  typo['manifests/tcp-echo-all-v1.yaml'] = typo['manifests/tcp-echo-all-v1.yaml']!.replace('weight: 20', 'wieght: 20\n      weight: 20');
  const pr = pullRequest(typo);
  const [validate] = tcpshiftSteps();
  const v = pr.runStep(validate!);
  expect(v.code).toBe(1);
  expect(v.stdout).toMatch(/^::warning file=manifests\/tcp-echo-all-v1\.yaml,line=\d+,col=\d+,title=tcpshift FIELD_UNKNOWN::/m);
});

test('the comment step creates one comment with the diff, then updates it on the next push', async () => {
  const pr = pullRequest(split8020Files(ports, 'manifests'));
  const [, diff] = tcpshiftSteps();
  pr.runStep(diff!);
  const step = steps.find((s) => s.uses?.startsWith('actions/github-script@'))!;
  expect(step.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
  const calls: { method: string; args: Record<string, unknown> }[] = [];
  let existing: { id: number; user: { type: string }; body: string }[] = [];
  const listComments = async () => ({ data: existing });
  const github = {
    paginate: async (fn: unknown) => (fn === listComments ? existing : []),
    rest: { issues: {
      listComments,
      createComment: async (args: Record<string, unknown>) => { calls.push({ method: 'create', args }); },
      updateComment: async (args: Record<string, unknown>) => { calls.push({ method: 'update', args }); },
    } },
  };
  const context = { repo: { owner: 'acme', repo: 'config' }, issue: { number: 7 } };
  const fsInClone = { readFileSync: (p: string, enc: BufferEncoding) => readFileSync(join(pr.clone, p), enc) };
  const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(v, pr.outputs)]));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...a: string[]) => (...v: unknown[]) => Promise<void>;
    const script = new AsyncFunction('require', 'github', 'context', String(step.with?.script));
    const req = (m: string) => (m === 'fs' ? fsInClone : (() => { throw new Error(`unexpected require ${m}`); })());
    await script(req, github, context);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'create', args: { owner: 'acme', repo: 'config', issue_number: 7 } });
    const body = String(calls[0]!.args.body);
    expect(body).toContain('<!-- tcpshift-diff -->');
    expect(body).toContain('merging this changes the routing');
    expect(body).toMatch(/```diff\n--- origin\/main [\s\S]*~ 0\.0\.0\.0:31400 tcp-echo v1 100% → 80%  \+v2 0% → 20%[\s\S]*\n```/);

    existing = [{ id: 1, user: { type: 'User' }, body: 'LGTM' }, { id: 42, user: { type: 'Bot' }, body }];
    await script(req, github, context);
    expect(calls[1]).toMatchObject({ method: 'update', args: { comment_id: 42 } });
  } finally {
    for (const k of Object.keys(env)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});
