/**
 * A rollout across a fleet: 3 real `tcpshift run` processes on 127.0.0.2–.4 follow one bare repo over
 * `git daemon`, each told by a push webhook. Each walks its own steps (anchored to when it saw the
 * commit); a shared webhook gate — the fleet-wide signal, as a Prometheus query over all instances would
 * be — turns red, and every instance aborts on it by itself, so the fleet is not left split. The spreads
 * (step start, abort) are printed for docs/scale-out.md, never asserted against a clock.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gitDaemon, signedPush, type FleetNode } from '../helpers/fleet';
import { gitRepo, tempDir } from '../helpers/git';
import { tcpshiftAsync } from '../helpers/cli';
import { Harness } from '../helpers/harness';
import { connectAndSend, freePort } from '../helpers/net';
import { routeFiles } from '../helpers/routes';
import { rolloutPolicy } from '../helpers/rollout';
import { startRun, type RunProcess } from '../helpers/run-process';

jest.setTimeout(180_000);

const h = new Harness();
afterAll(() => h.cleanup());

const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const;
const SECRET = 'fleet-rollout-secret';

/** The shared gate every instance asks: 200 while `healthy`, 500 after. */
async function gate(): Promise<{ url: string; calls: () => number; fail: () => void }> {
  let healthy = true;
  let calls = 0;
  const server: Server = createServer((req, res) => {
    calls++;
    req.resume();
    req.on('end', () => { res.writeHead(healthy ? 200 : 500); res.end(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  h.defer(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`, calls: () => calls, fail: () => { healthy = false; } };
}

test('3 instances walk the same steps from the same push and all abort on one shared gate', async () => {
  const g = await gate();
  const gateway = await freePort(HOSTS[0]);
  const ports = { v1: await h.echo('one'), v2: await h.echo('two') };
  const policy = rolloutPolicy(`  steps: [50]\n  stepDuration: 1h\n  analysis:\n    interval: 200ms\n    threshold: 2\n    webhooks:\n    - name: fleet-gate\n      url: ${g.url}\n      timeout: 2s\n`);
  const files = (w1: number, w2: number) => ({ ...routeFiles({ gateway, v1: [ports.v1], v2: [ports.v2], weights: [w1, w2] }), 'rollout.yaml': policy });
  const repo = gitRepo(files(100, 0), { bare: true });
  h.defer(async () => repo.cleanup());
  const url = `git://127.0.0.1:${await gitDaemon(h, join(repo.dir, '..'))}/bare.git`;
  const nodes: FleetNode[] = [];
  for (const [i, host] of HOSTS.entries()) {
    const state = tempDir();
    h.defer(async () => state.cleanup());
    const node: FleetNode = { name: `node-${i + 1}`, host, admin: await freePort(host), state: state.dir };
    node.proc = startRun(h, [
      '--repo', url, '--state-dir', node.state, '--admin', `${host}:${node.admin}`, '--listen-host', host,
      '--instance', node.name, '--no-watch', '--interval', '10m', '--webhook-secret', SECRET,
    ]);
    nodes.push(node);
  }
  const proc = (n: FleetNode) => n.proc as RunProcess;
  const first = repo.sha();
  await Promise.all(nodes.map((n) => proc(n).line((l) => l.msg === 'reconcile finished' && l.revision === first, 30_000, `${n.name} serves the first commit`)));

  // One push, one webhook each: every instance starts the same rollout at its step 1 (50/50).
  const target = repo.commit(files(0, 100), 'v1 → v2 in steps');
  expect(await Promise.all(nodes.map((n) => signedPush(n, SECRET)))).toEqual([202, 202, 202]);
  const started = await Promise.all(nodes.map((n) => proc(n).line((l) => l.msg === 'rollout started' && l.revision === target, 30_000, `${n.name} starts the rollout`)));
  for (const n of nodes) {
    const st = await (await fetch(`http://${n.host}:${n.admin}/status`)).json() as { reason: string; lastAppliedRevision: string; rollouts: { revision: string; step: number; phase: string; shares: Record<string, number> }[] };
    expect(st).toMatchObject({ reason: 'RolloutProgressing', lastAppliedRevision: first });
    expect(st.rollouts[0]).toMatchObject({ revision: target, phase: 'Progressing', step: 1, shares: { 'tcp-echo|v1|9000': 50, 'tcp-echo|v2|9000': 50 } });
  }
  const fleetArgs = nodes.flatMap((n) => ['--admin', `${n.host}:${n.admin}`]);
  const during = await tcpshiftAsync(['fleet', ...fleetArgs]);
  expect(during.stdout).toContain(`3/3 serving ${first.slice(0, 7)}`);

  // The shared gate turns red: each instance fails its own checks against it and aborts by itself.
  const before = g.calls();
  g.fail();
  const aborted = await Promise.all(nodes.map((n) => proc(n).line((l) => l.msg === 'rollout aborted', 30_000, `${n.name} aborts`)));
  expect(g.calls()).toBeGreaterThan(before);
  for (const n of nodes) {
    const st = await (await fetch(`http://${n.host}:${n.admin}/status`)).json() as { ready: boolean; reason: string; lastAppliedRevision: string; message: string };
    expect(st).toMatchObject({ ready: false, reason: 'RolloutAborted', lastAppliedRevision: first });
    expect(st.message).toMatch(/fleet-gate/);
    expect(await connectAndSend(gateway, 'x', { host: n.host })).toMatch(/^one/);
  }
  const after = await tcpshiftAsync(['fleet', ...fleetArgs]);
  expect(after.stdout).toContain(`3/3 serving ${first.slice(0, 7)}`);

  const spread = (lines: Record<string, unknown>[]) => {
    const t = lines.map((l) => Number(l.time));
    return Math.max(...t) - Math.min(...t);
  };
  process.stdout.write(`fleet rollout: step 1 started within ${spread(started)} ms of each other; all 3 aborted within ${spread(aborted)} ms of each other (analysis interval 200 ms, threshold 2)\n`);
  for (const n of nodes) proc(n).signal('SIGTERM');
  await Promise.all(nodes.map((n) => proc(n).exited));
});
