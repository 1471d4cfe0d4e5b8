/**
 * A fleet: 3 real `tcpshift run` processes on 127.0.0.2, .3 and .4 follow one bare repo served by `git daemon`
 * on loopback. Push webhooks make all serve a new commit at once; without them the poll does; stopping one
 * changes nothing for the others; `tcpshift fleet` / `status --admin A --admin B …` says whether they agree.
 * The convergence times are printed (docs/scale-out.md quotes them), never asserted against a clock.
 */
import { join } from 'node:path';
import { gitDaemon, signedPush, type FleetNode as Node } from '../helpers/fleet';
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';
import { tcpshiftAsync } from '../helpers/cli';
import { Harness } from '../helpers/harness';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { routeFiles } from '../helpers/routes';
import { startRun, type RunProcess } from '../helpers/run-process';

jest.setTimeout(180_000);

const h = new Harness();
afterAll(() => h.cleanup());

const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const;
const SECRET = 'fleet-test-secret';
const webhook = (node: Node) => signedPush(node, SECRET);

/** The epoch ms of the instance's log line saying it applied `sha` (pino's `time`). */
async function appliedAt(node: Node, sha: string, timeoutMs: number): Promise<number> {
  const line = await (node.proc as RunProcess).line((l) => l.msg === 'reconcile finished' && l.outcome === 'applied' && l.revision === sha, timeoutMs, `${node.name} applies ${sha}`);
  return Number(line.time);
}

describe('a fleet of 3 instances on one repo (git daemon, loopback)', () => {
  let repo: GitRepo;
  let url: string;
  let gateway: number;
  let files: (w1: number, w2: number) => Record<string, string>;
  const nodes: Node[] = [];
  const figures: string[] = [];

  function start(node: Node, extra: string[]): RunProcess {
    node.proc = startRun(h, [
      '--repo', url, '--state-dir', node.state, '--admin', `${node.host}:${node.admin}`, '--listen-host', node.host,
      '--instance', node.name, '--no-watch', ...extra,
    ]);
    return node.proc;
  }

  async function stopAll(): Promise<void> {
    for (const n of nodes) n.proc?.signal('SIGTERM');
    await Promise.all(nodes.map((n) => n.proc?.exited));
  }

  /** Commits, pushes, optionally sends the webhooks; returns the sha, the push time and each instance's delay (ms). */
  async function pushAndMeasure(w1: number, w2: number, members: readonly Node[], hooks: boolean, timeoutMs: number): Promise<{ sha: string; delays: number[] }> {
    const sha = repo.commit(files(w1, w2), `shift ${w1}/${w2}`);
    const pushed = Date.now();
    if (hooks) expect(await Promise.all(members.map(webhook))).toEqual(members.map(() => 202));
    const delays = await Promise.all(members.map(async (n) => (await appliedAt(n, sha, timeoutMs)) - pushed));
    return { sha, delays };
  }

  beforeAll(async () => {
    gateway = await freePort(HOSTS[0]);
    const ports = { v1: await h.echo('one'), v2: await h.echo('two') };
    files = (w1, w2) => routeFiles({ gateway, v1: [ports.v1], v2: [ports.v2], weights: [w1, w2] });
    repo = gitRepo(files(100, 0), { bare: true });
    h.defer(async () => repo.cleanup());
    const daemon = await gitDaemon(h, join(repo.dir, '..'));
    url = `git://127.0.0.1:${daemon}/bare.git`;
    for (const [i, host] of HOSTS.entries()) {
      const state = tempDir();
      h.defer(async () => state.cleanup());
      nodes.push({ name: `node-${i + 1}`, host, admin: await freePort(host), state: state.dir });
    }
  });

  afterAll(() => {
    process.stdout.write(`fleet convergence (ms after the push):\n${figures.join('\n')}\n`);
  });

  test('with push webhooks all 3 serve a new commit at once; `tcpshift fleet` agrees; losing one changes nothing for the others', async () => {
    for (const n of nodes) start(n, ['--interval', '10m', '--webhook-secret', SECRET]);
    const first = repo.sha();
    await Promise.all(nodes.map((n) => appliedAt(n, first, 30_000)));

    const fleetArgs = nodes.flatMap((n) => ['--admin', `${n.host}:${n.admin}`]);
    const agreed = await tcpshiftAsync(['fleet', ...fleetArgs]);
    expect(agreed.code).toBe(0);
    expect(agreed.stdout).toContain(`3/3 serving ${first.slice(0, 7)}`);
    for (const n of nodes) expect(agreed.stdout).toMatch(new RegExp(`${n.name}\\s+${n.host}:${n.admin}\\s+${first.slice(0, 7)}\\s+True`));

    // The poll interval is 10 minutes: only the webhooks can make them apply the push.
    const { sha, delays } = await pushAndMeasure(0, 100, nodes, true, 30_000);
    figures.push(`  webhook, 3 instances: ${delays.join(', ')} (max ${Math.max(...delays)})`);
    for (const n of nodes) expect(await connectAndSend(gateway, 'x', { host: n.host })).toMatch(/^two/);

    const status = await tcpshiftAsync(['status', ...fleetArgs, '-o', 'json']);
    expect(status.code).toBe(0);
    const doc = JSON.parse(status.stdout) as { agree: boolean; summary: string; instances: { status: { instance: string } }[] };
    expect(doc).toMatchObject({ agree: true, summary: `3/3 serving ${sha.slice(0, 7)}` });
    expect(doc.instances.map((m) => m.status.instance)).toEqual(['node-1', 'node-2', 'node-3']);

    // Metrics and logs carry the instance name.
    const metrics = await (await fetch(`http://${nodes[1]!.host}:${nodes[1]!.admin}/metrics`)).text();
    expect(metrics).toMatch(/^tcpshift_ready\{instance="node-2"\} 1$/m);
    expect(nodes[1]!.proc!.lines().find((l) => l.msg === 'reconcile finished')).toMatchObject({ instance: 'node-2' });

    // Lose node-3: the others keep serving and keep following.
    const lost = nodes[2]!;
    lost.proc!.signal('SIGTERM');
    expect(await lost.proc!.exited).toBe(0);
    const rest = nodes.slice(0, 2);
    const after = await pushAndMeasure(50, 50, rest, true, 30_000);
    figures.push(`  webhook, 2 instances after losing one: ${after.delays.join(', ')}`);
    const split = await tcpshiftAsync(['fleet', ...fleetArgs, '--max-skew', '0s']);
    expect(split.code).toBe(1);
    expect(split.stdout).toContain(`2/3 serving ${after.sha.slice(0, 7)}; 1 unreachable`);
    expect(split.stdout).toMatch(/\?\s+127\.0\.0\.4:\d+\s+-\s+Unknown\s+Unreachable/);
    for (const n of rest) expect((await connectAndSend(gateway, 'x', { host: n.host })).length).toBeGreaterThan(0);
    await stopAll();
  });

  test('without webhooks all 3 follow within the poll interval (2 s) plus a fetch', async () => {
    for (const n of nodes) start(n, ['--interval', '2s']);
    // Each restarts from its persisted revision (node-3 one behind), then polls the branch head.
    const head = repo.sha();
    await Promise.all(nodes.map((n) => n.proc!.line((l) => l.msg === 'reconcile finished' && l.revision === head, 30_000, `${n.name} at head`)));
    const { delays } = await pushAndMeasure(100, 0, nodes, false, 30_000);
    figures.push(`  poll every 2 s, no webhook, 3 instances: ${delays.join(', ')} (max ${Math.max(...delays)})`);
    const agreed = await tcpshiftAsync(['fleet', ...nodes.flatMap((n) => ['--admin', `${n.host}:${n.admin}`])]);
    expect(agreed.code).toBe(0);
    await stopAll();
  });
});
