/** `tcpshift open --print` prints the web view's URL of a running instance (exit 0), or says it cannot reach one (exit 1); start-up logs the URL. */
import { startApp } from '../../src/app';
import { testAppConfig } from '../helpers/app';
import { tcpshiftAsync } from '../helpers/cli';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { captureLogs } from '../helpers/logs';
import { freePort, waitFor } from '../helpers/net';
import { split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

test('open --print names the page of a running instance; start-up logs the same URL; no instance: exit 1 with what to check', async () => {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(split8020Files(ports));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const logs = captureLogs('info');
  const app = await startApp(testAppConfig(repo.dir, state.dir), logs.log);
  h.defer(() => app.stop(200));
  await waitFor(() => app.reconciler.status().lastOutcome === 'applied', 5000, 'applied');
  const url = `http://127.0.0.1:${app.adminPort}/`;
  expect(logs.lines.find((l) => l.msg === 'admin server listening')?.url).toBe(url);
  const ok = await tcpshiftAsync(['open', '--print', '--admin', `127.0.0.1:${app.adminPort}`]);
  expect(ok).toMatchObject({ code: 0, stdout: `${url}\n` });
  const down = await tcpshiftAsync(['open', '--print', '--admin', `127.0.0.1:${await freePort()}`]);
  expect(down.code).toBe(1);
  expect(down.stderr).toMatch(/cannot reach the tcpshift admin API .* is `tcpshift run` running/);
});
