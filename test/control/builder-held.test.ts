/**
 * The build worker keeps the bytes of the last request's files: a snapshot sends only the files whose
 * blob id changed (the rest go as `held`), and builds the same table as a whole snapshot would; a
 * restarted worker is sent everything again; a `held` file the worker does not have is sent again whole.
 */
import pino from 'pino';
import { WorkerBuilder } from '../../src/control/builder';
import { IncrementalBuild } from '../../src/control/incremental';
import { blobId } from '../../src/manifest/cache';
import { DEFAULT_LIMITS, type ManifestFile } from '../../src/manifest/types';
import { buildDesired } from '../../src/model/desired';
import { example8020, exampleManifests } from '../helpers/manifests';

const COMPILE = { gatewayLabels: { istio: 'ingressgateway' }, listenHost: '127.0.0.1' };

function withIds(files: Record<string, string>): ManifestFile[] {
  return Object.entries(files).map(([path, text]) => {
    const content = new Uint8Array(Buffer.from(text));
    return { path, type: 'file', size: content.length, content, id: blobId(content) };
  });
}

const bytes = (files: readonly ManifestFile[]) => files.reduce((n, f) => n + (f.content?.length ?? 0), 0);
const changedBytes = (a: readonly ManifestFile[], b: readonly ManifestFile[]) => bytes(b.filter((f) => a.find((x) => x.path === f.path)?.id !== f.id));

let builder: WorkerBuilder;
beforeEach(() => { builder = new WorkerBuilder({ compile: COMPILE, limits: DEFAULT_LIMITS, log: pino({ level: 'silent' }) }); });
afterEach(() => builder.stop());

test('a commit sends only the changed files\' bytes and builds what the whole snapshot builds; a new worker gets everything', async () => {
  const v1 = withIds(exampleManifests());
  const v2 = withIds(example8020());
  expect(changedBytes(v1, v2)).toBeLessThan(bytes(v2));
  await builder.build({ revision: 'a', files: v1 });
  expect(builder.lastSentBytes).toBe(bytes(v1));
  const d = await builder.build({ revision: 'b', files: v2 });
  expect(builder.lastSentBytes).toBe(changedBytes(v1, v2));
  const local = buildDesired(v2, COMPILE, DEFAULT_LIMITS);
  expect(d.ok && local.ok && d.table).toEqual(local.ok && local.table);

  await builder.kill();
  const again = await builder.build({ revision: 'b', files: v2 });
  expect(builder.starts).toBe(2);
  expect(builder.lastSentBytes).toBe(bytes(v2));
  expect(again.ok && again.table).toEqual(local.ok && local.table);
});

test('a held file the worker does not have is refused (null), the request then goes whole', () => {
  const b = new IncrementalBuild({ compile: COMPILE, limits: DEFAULT_LIMITS, cacheBytes: 1 << 20 });
  const [f] = withIds({ 'a.yaml': 'kind: Service\n' });
  const { content: _c, ...bare } = f!;
  expect(b.withHeld({ id: 1, files: [{ ...bare, held: true }] })).toBeNull();
  expect(b.withHeld({ id: 2, files: [f!] })?.files).toEqual([f]);
  expect(b.withHeld({ id: 3, files: [{ ...bare, held: true }] })?.files).toEqual([f]);
  expect(b.withHeld({ id: 4, files: [{ ...bare, id: 'other', held: true }] })).toBeNull();
});
