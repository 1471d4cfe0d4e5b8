/**
 * The hostile corpus through the full loop: one live instance (git repo → reconciler → proxy) serving
 * the 80/20 walkthrough; every case is committed on top of it and must be rejected whole (Ready=False,
 * a message naming file and line, one `rejected` log line, the same errors from `tcpshift validate`)
 * while ten new connections still split 8/2 on the old table.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, type App } from '../../src/app';
import { formatDiagnostic, type Diagnostic } from '../../src/errors';
import type { RoutingTable } from '../../src/model/types';
import { testAppConfig } from '../helpers/app';
import { MAIN } from '../helpers/cli';
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { captureLogs } from '../helpers/logs';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { split8020Files } from '../helpers/walkthrough';
import { addedPaths, commitCase, HOSTILE_DIR, loadCorpus, writeCaseDir, type CorpusPorts, type HostileCase } from './corpus';

const corpus = loadCorpus();
const h = new Harness();
afterAll(() => h.cleanup());

interface Validation { code: number | null; stdout: string; stderr: string }

let app: App;
let repo: GitRepo;
let ports: CorpusPorts;
let good: Record<string, string>;
let appliedSha: string;
let previous: string[] = [];
let lines: Record<string, unknown>[] = [];
const validations = new Map<string, Promise<Validation>>();

beforeAll(async () => {
  ports = { gateway: await freePort(), spare: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  good = split8020Files(ports);
  repo = gitRepo(good);
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const { log, lines: logged } = captureLogs();
  lines = logged;
  app = await startApp(testAppConfig(repo.dir, state.dir, { limits: corpus.limits }), log);
  h.defer(() => app.stop(500));
  await waitFor(() => app.reconciler.status().lastOutcome === 'applied', 10_000, 'the good revision');
  appliedSha = repo.sha();
  // `tcpshift validate` on every case written as a folder, in six lanes of processes, while the loop runs.
  const root = tempDir('tcpshift-hostile-');
  h.defer(async () => root.cleanup());
  const lanes: Promise<unknown>[] = Array.from({ length: 6 }, () => Promise.resolve());
  corpus.cases.forEach((c, i) => {
    const dir = join(root.dir, String(i));
    mkdirSync(dir);
    writeCaseDir(dir, c, good, ports);
    const v = lanes[i % lanes.length]!.then(() => validate(dir));
    lanes[i % lanes.length] = v;
    validations.set(c.name, v);
  });
  h.defer(async () => { await Promise.all(lanes); });
}, 30_000);

function validate(dir: string): Promise<Validation> {
  const args = [MAIN, 'validate', '--max-file-bytes', String(corpus.limits.maxFileBytes), '--max-commit-bytes', String(corpus.limits.maxTotalBytes), '.'];
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Which backend answered each of ten new connections. */
async function split(): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < 10; i++) {
    const who = (await connectAndSend(ports.gateway, `probe ${i}`)).split(' ')[0] ?? '';
    seen[who] = (seen[who] ?? 0) + 1;
  }
  return seen;
}

const errorsOf = (ds: readonly Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'error');

test('the corpus holds at least 40 cases and uses every fixture file', () => {
  expect(corpus.cases.length).toBeGreaterThanOrEqual(40);
  const used = new Set(corpus.cases.flatMap((c) => Object.values(c.add ?? {})));
  expect(readdirSync(join(HOSTILE_DIR, 'files')).filter((f) => !used.has(f))).toEqual([]);
  expect(split8020Files(ports)).toEqual(good);
});

describe.each(corpus.cases.map((c) => [c.name, c] as const))('%s', (_name, c: HostileCase) => {
  test(c.outcome === 'applied' ? 'is applied (the entry is ignored), traffic unchanged' : 'is rejected whole; the old table keeps serving', async () => {
    const from = lines.length;
    const table: RoutingTable = app.proxy.table;
    const sha = commitCase(repo, c, good, ports, previous);
    previous = addedPaths(c);
    const result = await app.reconciler.trigger('hostile');
    const status = app.reconciler.status();
    const logged = lines.slice(from);
    const summaries = logged.filter((l) => l.msg === 'reconcile finished');
    const errors = errorsOf(status.diagnostics);
    const hit = c.code === undefined ? undefined : status.diagnostics.find((d) => d.code === c.code && d.file === c.file);

    if (c.outcome === 'applied') {
      expect(result).toMatchObject({ revision: sha, outcome: 'applied', changes: [] });
      expect(status).toMatchObject({ ready: true, lastAppliedRevision: sha });
      expect(errors).toEqual([]);
      if (c.code !== undefined) expect(hit).toMatchObject({ severity: 'warning', line: c.line });
      appliedSha = sha;
    } else {
      expect(result).toMatchObject({ revision: sha, outcome: 'rejected' });
      expect(status).toMatchObject({ ready: false, reason: 'ValidationFailed', lastAttemptedRevision: sha, lastAppliedRevision: appliedSha });
      expect(hit).toMatchObject({ severity: 'error', line: c.line });
      // The message is the first error, naming its file (and line when there is one).
      const first = errors[0]!;
      expect(status.message).toBe(`${formatDiagnostic(first)}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`);
      expect(status.message.startsWith((c.line ?? 0) > 0 ? `${c.file}:${c.line}:` : `${c.file}: `)).toBe(true);
      expect(summaries).toHaveLength(1);
      expect(summaries[0]).toMatchObject({ outcome: 'rejected', revision: sha, reason: 'ValidationFailed', errors: errors.map(formatDiagnostic) });
    }
    expect(summaries).toHaveLength(1);
    expect(logged.filter((l) => l.msg === 'routing table swapped')).toEqual([]);
    expect(app.proxy.table).toBe(table);
    expect(await split()).toEqual({ one: 8, two: 2 });

    const v = await validations.get(c.name)!;
    if (c.outcome === 'applied') {
      expect(v).toMatchObject({ code: 0, stdout: '' });
    } else {
      expect(v).toMatchObject({ code: 1, stderr: expect.stringMatching(new RegExp(`(^|\n)${errors.length} error\\(s\\) in `)) });
      expect(v.stdout.trimEnd().split('\n')).toEqual(errors.map(formatDiagnostic));
    }
  });
});

test('after the corpus, the good revision is applied again and Ready', async () => {
  const removed = Object.fromEntries(previous.map((p) => [p, null]));
  const sha = repo.commit({ ...removed, ...good }, 'back to good');
  expect(await app.reconciler.trigger('hostile')).toMatchObject({ revision: sha, outcome: 'applied', changes: [] });
  expect(app.reconciler.status()).toMatchObject({ ready: true, reason: 'ReconciliationSucceeded', diagnostics: expect.not.arrayContaining([expect.objectContaining({ severity: 'error' })]) });
  expect(repo.git('ls-tree', '-r', '--name-only', 'HEAD').split('\n').sort()).toEqual(Object.keys(good).sort());
  expect(await split()).toEqual({ one: 8, two: 2 });
});
