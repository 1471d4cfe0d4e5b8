/** The worker-thread builder: the same answer as buildDesired in-process, a parse cache by blob id, and a crash that rejects only the commit. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { WorkerBuilder } from '../../src/control/builder';
import { IncrementalBuild } from '../../src/control/incremental';
import { Codes } from '../../src/errors';
import { blobId } from '../../src/manifest/cache';
import { countDocuments } from '../../src/manifest/parse';
import { DEFAULT_LIMITS, type ManifestFile } from '../../src/manifest/types';
import { buildDesired, type Desired } from '../../src/model/desired';
import type { Snapshot } from '../../src/source/types';
import { example8020, exampleManifests, manifestFiles } from '../helpers/manifests';

const COMPILE = { gatewayLabels: { istio: 'ingressgateway' }, listenHost: '127.0.0.1' };
const HOSTILE = join(__dirname, '..', 'fixtures', 'hostile', 'files');
const SAMPLES = join(__dirname, '..', 'fixtures', 'manifest', 'istio-samples');
const quiet = pino({ level: 'silent' });

function dirFiles(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'latin1')]));
}

/** The fixtures, each one commit: the example repo, its 80/20 step, the Istio samples, and the example plus each hostile file. */
const CASES: [string, Record<string, string>][] = [
  ['example', exampleManifests()],
  ['example 80/20', example8020()],
  ['istio samples', dirFiles(SAMPLES)],
  ...readdirSync(HOSTILE).sort().map((f): [string, Record<string, string>] => [`example + hostile ${f}`, { ...exampleManifests(), [`hostile/${f}`]: readFileSync(join(HOSTILE, f), 'latin1') }]),
];

function snapshot(files: Record<string, string> | ManifestFile[], extra: Partial<Snapshot> = {}): Snapshot {
  return { revision: 'r', files: Array.isArray(files) ? files : manifestFiles(files), ...extra };
}

/** What the main thread can compare: resources without positions (the worker keeps those for diagnostics). */
function comparable(d: Desired): unknown {
  const resources = d.resources.map((r) => ({ ...r, positions: {} }));
  return d.ok ? { ok: true, table: d.table, diagnostics: d.diagnostics, resources } : { ok: false, diagnostics: d.diagnostics };
}

describe('WorkerBuilder', () => {
  let builder: WorkerBuilder;
  beforeAll(() => {
    builder = new WorkerBuilder({ compile: COMPILE, limits: DEFAULT_LIMITS, log: quiet });
  });
  afterAll(() => builder.stop());

  test.each(CASES)('%s: the same table and diagnostics as buildDesired in-process', async (_name, files) => {
    const local = buildDesired(manifestFiles(files), COMPILE, DEFAULT_LIMITS);
    const remote = await builder.build(snapshot(files));
    expect(comparable(remote)).toEqual(comparable(local));
  }, 60_000);

  test('PATH_NOT_FOUND is raised by the build, from the snapshot', async () => {
    const d = await builder.build(snapshot({}, { missingPath: 'manifests' }));
    expect(d.diagnostics.map((x) => x.code)).toEqual([Codes.PATH_NOT_FOUND]);
  });

  test('a worker killed mid-build: COMMIT_TOO_COMPLEX, then the next build works on a new worker', async () => {
    const starts = builder.starts;
    const files = { ...exampleManifests(), 'big.yaml': Array.from({ length: 3000 }, (_, i) => `kind: Service\napiVersion: v1\nmetadata: {name: s${i}}\n`).join('---\n') };
    const pending = builder.build(snapshot(files));
    setImmediate(() => void builder.kill());
    const d = await pending;
    expect(d.ok).toBe(false);
    expect(d.diagnostics.map((x) => x.code)).toEqual([Codes.COMMIT_TOO_COMPLEX]);
    const next = await builder.build(snapshot(exampleManifests()));
    expect(next.ok).toBe(true);
    expect(builder.starts).toBe(starts + 1);
  }, 60_000);
});

describe('WorkerBuilder resource limits', () => {
  test('a commit inside the size cap that needs more heap than the worker has: COMMIT_TOO_COMPLEX naming the file', async () => {
    const b = new WorkerBuilder({ compile: COMPILE, limits: DEFAULT_LIMITS, log: quiet, heapMb: 64 });
    try {
      // ~1,000,000 bytes of tiny documents: under the 1 MiB file cap and the document cap, far over 64 MiB of heap once parsed.
      const bomb = Array.from({ length: 12_000 }, (_, i) => `{kind: Service, apiVersion: v1, metadata: {name: s${i}, labels: {a: b, c: d}}}`).join('\n---\n');
      const d = await b.build(snapshot({ ...exampleManifests(), 'bomb.yaml': bomb }));
      expect(d.ok).toBe(false);
      expect(d.diagnostics.map((x) => [x.code, x.file])).toEqual([[Codes.COMMIT_TOO_COMPLEX, 'bomb.yaml']]);
    } finally {
      await b.stop();
    }
  }, 60_000);
});

describe('IncrementalBuild', () => {
  const withIds = (files: Record<string, string>): ManifestFile[] => manifestFiles(files).map((f) => ({ ...f, id: `blob-${f.path}-${f.size}-${f.content?.[f.size >> 1] ?? 0}` }));

  test('a commit touching one file parses one file (cache by path and blob id); the delta names only what changed', () => {
    const b = new IncrementalBuild({ compile: COMPILE, limits: DEFAULT_LIMITS, cacheBytes: 1 << 20 });
    const base = exampleManifests();
    const first = b.build({ id: 1, files: withIds(base) });
    expect(first.parses).toBe(Object.keys(base).filter((f) => f.endsWith('.yaml')).length);
    expect(first.ok && first.delta.base).toBeNull();
    const again = b.build({ id: 2, files: withIds(base) });
    expect(again.parses).toBe(0);
    expect(again.ok && [again.delta.changed, again.delta.changes, again.delta.files]).toEqual([[], [], []]);
    const moved = b.build({ id: 3, files: withIds(example8020()) });
    expect(moved.parses).toBe(1);
    if (!moved.ok) throw new Error('80/20 does not build');
    expect(moved.delta.changed.map((l) => l.key)).toEqual(['127.0.0.1:31400']);
    expect(moved.delta.files.map(([p]) => p)).toEqual(['tcp-echo-all-v1.yaml']);
    expect(moved.delta.changes.map((c) => c.type)).toEqual(['weights-changed']);
  });

  test('files without an id (a folder, a restored state) are keyed by the blob id git gives them: a restart parses nothing again', () => {
    expect(blobId(new TextEncoder().encode('a: 1\n'))).toBe('a8926a52d8dcba5c4386945476ab6a2ad008afd4'); // git hash-object
    const b = new IncrementalBuild({ compile: COMPILE, limits: DEFAULT_LIMITS, cacheBytes: 1 << 20 });
    const restored = manifestFiles(exampleManifests());
    b.build({ id: 1, files: restored });
    const fromGit = restored.map((f) => ({ ...f, id: blobId(f.content as Uint8Array) }));
    expect(b.build({ id: 2, files: fromGit }).parses).toBe(0);
  });

  test('the document cap: COMMIT_TOO_COMPLEX on the file that crosses it, nothing compiled', () => {
    const docs = manifestFiles(exampleManifests()).filter((f) => f.path.endsWith('.yaml')).reduce((n, f) => n + countDocuments(f.content as Uint8Array), 0);
    const b = new IncrementalBuild({ compile: COMPILE, limits: { ...DEFAULT_LIMITS, maxDocuments: docs + 1 }, cacheBytes: 1 << 20 });
    const r = b.build({ id: 1, files: withIds({ ...exampleManifests(), 'zz.yaml': 'a: 1\n---\nb: 2\n---\nc: 3\n' }) });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.file])).toEqual([[Codes.COMMIT_TOO_COMPLEX, 'zz.yaml']]);
  });
});
