/** `tcpshift reconcile` on a rejected branch head says `rejected` with every error and exits 1 (as `flux reconcile` does). */
import { startApp } from '../../src/app';
import { testAppConfig } from '../helpers/app';
import { tcpshiftAsync } from '../helpers/cli';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { freePort, waitFor } from '../helpers/net';
import { routeFiles } from '../helpers/routes';

const h = new Harness();
afterEach(() => h.cleanup());

test('tcpshift reconcile on a rejected head: rejected, the errors, exit 1; an applied head: exit 0', async () => {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const files = routeFiles({ gateway: ports.gateway, v1: [ports.v1], v2: [ports.v2] });
  const repo = gitRepo(files);
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const app = await startApp(testAppConfig(repo.dir, state.dir), silent);
  h.defer(() => app.stop(200));
  await waitFor(() => app.reconciler.status().lastOutcome === 'applied', 5000, 'first apply');
  const admin = ['--admin', `127.0.0.1:${app.adminPort}`];
  expect((await tcpshiftAsync(['reconcile', ...admin])).code).toBe(0);

  const sha = repo.commit({ 'routes.yaml': files['routes.yaml']!.replace('subset: v2', 'subset: v9') });
  expect((await app.reconciler.trigger('watch')).outcome).toBe('rejected');
  const r = await tcpshiftAsync(['reconcile', ...admin]);
  expect(r.code).toBe(1);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(new RegExp(`^rejected ${sha} in [\\d.]+ms: routes\\.yaml:\\d+:\\d+: UNKNOWN_SUBSET: `));
  expect(lines.slice(1)).toEqual([expect.stringMatching(/^ {2}routes\.yaml:\d+:\d+: UNKNOWN_SUBSET: /)]);
});
