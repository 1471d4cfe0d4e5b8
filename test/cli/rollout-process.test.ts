/** Progressive rollouts against a real `tcpshift run`: status, metrics, and `tcpshift rollout …` steering it (token-guarded). */
import { spawn } from 'node:child_process';
import type { StatusDocument } from '../../src/cli/status-view';
import { MAIN, tcpshiftAsync } from '../helpers/cli';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { freePort, waitFor } from '../helpers/net';
import { routeFiles } from '../helpers/routes';
import { rolloutPolicy } from '../helpers/rollout';

const h = new Harness();
afterEach(() => h.cleanup());

const POLICY = rolloutPolicy('  steps: [5, 20, 50]\n  stepDuration: 1h\n  analysis:\n    interval: 1s\n    maxConnectFailurePercent: 1\n    maxFailedPercent: 5\n');

test('tcpshift rollout status|pause|promote|abort steer a running process; /status and /metrics show the rollout', async () => {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const files = (w1: number, w2: number) => ({ ...routeFiles({ gateway: ports.gateway, v1: [ports.v1], v2: [ports.v2], weights: [w1, w2] }), 'rollout.yaml': POLICY });
  const repo = gitRepo(files(100, 0));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const adminPort = await freePort();
  const p = spawn(process.execPath, [MAIN, 'run', '--repo', repo.dir, '--state-dir', state.dir, '--admin', `127.0.0.1:${adminPort}`,
    '--listen-host', '127.0.0.1', '--log-format', 'json', '--no-watch', '--interval', '1h', '--admin-token', 's3cret'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => p.on('exit', () => resolve()));
  h.defer(async () => { p.kill('SIGKILL'); await exited; });
  const admin = `http://127.0.0.1:${adminPort}`;
  const status = async () => (await (await fetch(`${admin}/status`)).json()) as StatusDocument;
  const cli = (...args: string[]) => tcpshiftAsync(['rollout', ...args, '--admin', `127.0.0.1:${adminPort}`, '--admin-token', 's3cret']);
  await waitFor(() => out.includes('"outcome":"applied"'), 10_000, 'first apply');

  const first = repo.sha();
  const target = repo.commit(files(0, 100));
  p.kill('SIGHUP');
  await waitFor(() => out.includes('"msg":"rollout started"'), 10_000, 'rollout started');
  let st = await status();
  expect(st).toMatchObject({ ready: true, reason: 'RolloutProgressing', lastAppliedRevision: first });
  expect(st.rollouts[0]).toMatchObject({ target: 'default/tcp-echo', revision: target, phase: 'Progressing', step: 1, steps: 4 });
  expect(st.listeners[0]?.route.destinations.map((d) => d.percent)).toEqual([95, 5]);

  const shown = await cli('status');
  expect(shown.code).toBe(0);
  expect(shown.stdout).toMatch(/^default\/tcp-echo Progressing step 1\/4 95\/5, next step at \S+, /m);
  const human = await tcpshiftAsync(['status', '--admin', `127.0.0.1:${adminPort}`]);
  expect(human.stdout).toMatch(/^Rollout: {4}default\/tcp-echo Progressing step 1\/4 95\/5/m);

  // Mutating rollout routes want the token like every other POST.
  const bare = await fetch(`${admin}/rollout/pause`, { method: 'POST', headers: { 'x-tcpshift-request': '1' } });
  expect(bare.status).toBe(401);
  const paused = await cli('pause');
  expect([paused.code, paused.stdout]).toEqual([0, expect.stringMatching(/Paused step 1\/4/)]);

  const metrics = await (await fetch(`${admin}/metrics`)).text();
  expect(metrics).toMatch(/^tcpshift_rollout_step\{target="default\/tcp-echo",instance="[^"]*"\} 1$/m);
  expect(metrics).toMatch(/^tcpshift_rollout_phase\{target="default\/tcp-echo",phase="Paused",instance="[^"]*"\} 1$/m);

  // Checks keep running while paused; each result is counted.
  for (let i = 0; i < 100 && (await status()).rollouts[0]?.checks.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect((await status()).rollouts[0]?.checks.map((c) => [c.name, c.ok])).toEqual([['connect-failures', true], ['failed', true]]);
  expect(await (await fetch(`${admin}/metrics`)).text()).toMatch(/^tcpshift_rollout_checks_total\{target="default\/tcp-echo",check="connect-failures",result="pass",instance="[^"]*"\} [1-9]\d*$/m);

  const promoted = await cli('promote');
  expect(promoted.code).toBe(0);
  st = await status();
  expect(st).toMatchObject({ lastAppliedRevision: target, reason: 'ReconciliationSucceeded' });
  expect(st.listeners[0]?.route.destinations.map((d) => d.percent)).toEqual([0, 100]);
  expect((await cli('promote')).code).toBe(1);

  const back = repo.commit(files(100, 0));
  p.kill('SIGHUP');
  await waitFor(() => out.split('"msg":"rollout started"').length === 3, 10_000, 'second rollout');
  const aborted = await cli('abort');
  expect(aborted.code).toBe(0);
  st = await status();
  expect(st).toMatchObject({ ready: false, reason: 'RolloutAborted', message: 'aborted by hand at step 1/4 (5%)', lastAppliedRevision: target, lastAttemptedRevision: back });
  expect(st.listeners[0]?.route.destinations.map((d) => d.percent)).toEqual([0, 100]);
  expect(out.split('"msg":"rollout aborted"').length).toBe(2);
  const checks = await (await fetch(`${admin}/metrics`)).text();
  expect(checks).toMatch(/^tcpshift_rollout_phase\{target="default\/tcp-echo",phase="Aborted",instance="[^"]*"\} 1$/m);
});
