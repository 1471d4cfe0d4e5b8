/**
 * The Prometheus gate against a real Prometheus (Debian's 2.42, when installed) scraping a real `tcpshift run`'s
 * /metrics every second: the query uses the metric names users query; v2 refuses, the query's value crosses max, the rollout aborts.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatusDocument } from '../../src/cli/status-view';
import { MAIN } from '../helpers/cli';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { routeFiles } from '../helpers/routes';
import { rolloutPolicy } from '../helpers/rollout';

const PROMETHEUS = '/usr/bin/prometheus';
const h = new Harness();
afterEach(() => h.cleanup());

function spawnLogged(cmd: string, args: string[]) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => p.on('exit', () => resolve()));
  h.defer(async () => { p.kill('SIGKILL'); await exited; });
  return { p, out: () => out };
}

(existsSync(PROMETHEUS) ? test : test.skip)('a Prometheus query over tcpshift_connect_failures_total gates the rollout and aborts it', async () => {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await freePort(), admin: await freePort(), prom: await freePort() };
  const dir = tempDir();
  h.defer(async () => dir.cleanup());
  writeFileSync(join(dir.dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\nscrape_configs:\n- job_name: tcpshift\n  static_configs:\n  - targets: ['127.0.0.1:${ports.admin}']\n`);
  const prom = spawnLogged(PROMETHEUS, [`--config.file=${join(dir.dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir.dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${ports.prom}`]);
  const policy = rolloutPolicy(`  steps: [20, 50]\n  stepDuration: 1h\n  analysis:\n    interval: 1s\n    threshold: 2\n    prometheus:\n    - name: v2-connect-failures\n      address: http://127.0.0.1:${ports.prom}\n`
    + `      query: 'max(tcpshift_connect_failures_total{destination_version="v2"}) or vector(0)'\n      max: 0\n`);
  const files = (w1: number, w2: number) => ({ ...routeFiles({ gateway: ports.gateway, v1: [ports.v1], v2: [ports.v2], weights: [w1, w2] }), 'rollout.yaml': policy });
  const repo = gitRepo(files(100, 0));
  h.defer(async () => repo.cleanup());
  const run = spawnLogged(process.execPath, [MAIN, 'run', '--repo', repo.dir, '--state-dir', join(dir.dir, 'state'), '--admin', `127.0.0.1:${ports.admin}`,
    '--listen-host', '127.0.0.1', '--log-format', 'json', '--no-watch', '--interval', '1h']);
  await waitFor(() => run.out().includes('"outcome":"applied"'), 15_000, 'first apply');
  const promUp = async () => (await fetch(`http://127.0.0.1:${ports.prom}/api/v1/query?query=up`).then((r) => r.json()).catch(() => null)) as { data?: { result?: unknown[] } } | null;
  for (let i = 0; i < 300 && ((await promUp())?.data?.result?.length ?? 0) === 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(((await promUp())?.data?.result?.length ?? 0)).toBeGreaterThan(0);

  repo.commit(files(0, 100));
  run.p.kill('SIGHUP');
  await waitFor(() => run.out().includes('"msg":"rollout started"'), 10_000, 'rollout started');
  let on = true;
  const traffic = (async () => { while (on) await connectAndSend(ports.gateway, 'x', { timeoutMs: 2000 }).catch(() => undefined); })();
  const status = async () => (await (await fetch(`http://127.0.0.1:${ports.admin}/status`)).json()) as StatusDocument;
  let st = await status();
  for (let i = 0; i < 400 && st.reason !== 'RolloutAborted'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    st = await status();
  }
  on = false;
  await traffic;
  expect(st.reason).toBe('RolloutAborted');
  expect(st.message).toMatch(/^v2-connect-failures \d+ > 0 at step 1\/3 \(20%\)$/);
  expect(st.rollouts[0]?.checks).toEqual([expect.objectContaining({ name: 'v2-connect-failures', ok: false })]);
  expect(prom.out()).toContain('Server is ready to receive web requests');
}, 90_000);
