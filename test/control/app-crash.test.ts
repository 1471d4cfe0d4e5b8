/** A commit that kills the build worker in a running instance: rejected whole, the old table serving, open connections untouched. */
import { startApp } from '../../src/app';
import { Codes } from '../../src/errors';
import { testAppConfig } from '../helpers/app';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { connectAndSend, freePort, LineClient, waitFor } from '../helpers/net';
import { allV1Files, split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

test('a heap bomb inside the size cap: COMMIT_TOO_COMPLEX naming the file, old table serving, an open connection still works, the next commit applies', async () => {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(allV1Files(ports));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const app = await startApp(testAppConfig(repo.dir, state.dir, { build: { heapMb: 64 } }), silent);
  h.defer(() => app.stop(1000));
  await waitFor(() => app.reconciler.status().lastOutcome === 'applied');
  const good = repo.sha();
  const held = await LineClient.open(ports.gateway);
  h.defer(() => held.close());
  expect(await held.send('before')).toBe('one before');

  // ~1,000,000 bytes: under the 1 MiB file cap and the document cap, far over 64 MiB of heap once parsed.
  const bomb = Array.from({ length: 12_000 }, (_, i) => `{kind: Service, apiVersion: v1, metadata: {name: s${i}, labels: {a: b, c: d}}}`).join('\n---\n');
  repo.commit({ ...split8020Files(ports), 'bomb.yaml': bomb }, 'a bomb');
  const r = await app.reconciler.trigger('test');
  expect(r.outcome).toBe('rejected');
  const s = app.reconciler.status();
  expect(s.diagnostics.map((d) => [d.code, d.file])).toEqual([[Codes.COMMIT_TOO_COMPLEX, 'bomb.yaml']]);
  expect(s.lastAppliedRevision).toBe(good);
  expect(await held.send('after')).toBe('one after');
  expect((await connectAndSend(ports.gateway, 'new')).split(' ')[0]).toBe('one');

  const fixed = repo.commit({ 'bomb.yaml': null }, 'no bomb');
  expect(await app.reconciler.trigger('test')).toMatchObject({ revision: fixed, outcome: 'applied' });
  expect(app.builder.starts).toBe(2);
}, 90_000);
