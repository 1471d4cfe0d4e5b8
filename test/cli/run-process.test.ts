/** `tcpshift run` as a process: SIGHUP reconciles now, TCPSHIFT_REVISION pins, --webhook-secret enables the webhook. */
import { spawn } from 'node:child_process';
import { sign } from '../../src/admin/webhook';
import type { StatusDocument } from '../../src/cli/status-view';
import { MAIN, tcpshiftAsync } from '../helpers/cli';
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { routeFiles } from '../helpers/routes';

const h = new Harness();
afterEach(() => h.cleanup());

interface Running {
  admin: string;
  adminAddress: string;
  gateway: number;
  repo: GitRepo;
  files(w1: number, w2: number): Record<string, string>;
  status(): Promise<StatusDocument>;
  /** Polls /status until the applied revision is `sha` (or 5 s pass); returns the last one seen. */
  applied(sha: string): Promise<string | null>;
  signal(name: NodeJS.Signals): void;
}

/** Starts `tcpshift run --repo … --no-watch --interval 1h` with extra args/env; killed at cleanup. */
async function run(args: string[] = [], env: NodeJS.ProcessEnv = {}, pinFirst = false): Promise<Running> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const files = (w1: number, w2: number) => routeFiles({ gateway: ports.gateway, v1: [ports.v1], v2: [ports.v2], weights: [w1, w2] });
  const repo = gitRepo(files(100, 0));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const pin = pinFirst ? { TCPSHIFT_REVISION: repo.sha() } : {};
  if (pinFirst) repo.commit(files(0, 100));
  const adminPort = await freePort();
  const p = spawn(process.execPath, [MAIN, 'run', '--repo', repo.dir, '--state-dir', state.dir, '--admin', `127.0.0.1:${adminPort}`,
    '--listen-host', '127.0.0.1', '--log-format', 'json', '--no-watch', '--interval', '1h', ...args],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, ...pin } });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => p.on('exit', () => resolve()));
  h.defer(async () => { p.kill('SIGKILL'); await exited; });
  const admin = `http://127.0.0.1:${adminPort}`;
  const status = async () => (await (await fetch(`${admin}/status`)).json()) as StatusDocument;
  await waitFor(() => out.includes('"outcome":"applied"'), 10_000, 'first apply');
  const applied = async (sha: string) => {
    let last: string | null = null;
    for (let i = 0; i < 100 && last !== sha; i++) {
      last = (await status()).lastAppliedRevision;
      if (last !== sha) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return last;
  };
  return { admin, adminAddress: `127.0.0.1:${adminPort}`, gateway: ports.gateway, repo, files, status, applied, signal: (name) => p.kill(name) };
}

test('SIGHUP reconciles at once: a commit is applied without watch or poll', async () => {
  const r = await run();
  const sha = r.repo.commit(r.files(0, 100));
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect((await r.status()).lastAppliedRevision).not.toBe(sha); // no watch, a 1 h poll: nothing happens by itself
  r.signal('SIGHUP');
  expect(await r.applied(sha)).toBe(sha);
  expect(await connectAndSend(r.gateway, 'x')).toBe('two x\n');
});

test('TCPSHIFT_REVISION pins the commit; status shows pinned', async () => {
  const r = await run([], {}, true);
  const s = await r.status();
  expect(s.pinned).toMatch(/^[0-9a-f]{40}$/);
  expect(s.lastAppliedRevision).toBe(s.pinned);
  expect(s.lastAppliedRevision).not.toBe(r.repo.sha());
  expect(await connectAndSend(r.gateway, 'x')).toBe('one x\n');
  const text = await tcpshiftAsync(['status', '--admin', r.adminAddress]);
  expect(text.stdout).toMatch(new RegExp(`^Pinned: +${s.pinned}`, 'm'));
  expect(text.stdout).toMatch(/^Message: +serving revision [0-9a-f]{40} \(pinned by --revision\)$/m);
});

test('--webhook-secret (or TCPSHIFT_WEBHOOK_SECRET) enables POST /webhook', async () => {
  const r = await run([], { TCPSHIFT_WEBHOOK_SECRET: 'shh' });
  const sha = r.repo.commit(r.files(0, 100));
  const body = JSON.stringify({ ref: 'refs/heads/main' });
  const bad = await fetch(`${r.admin}/webhook`, { method: 'POST', body, headers: { 'x-github-event': 'push', 'x-hub-signature-256': sign('nope', body) } });
  expect(bad.status).toBe(401);
  const ok = await fetch(`${r.admin}/webhook`, { method: 'POST', body, headers: { 'x-github-event': 'push', 'x-hub-signature-256': sign('shh', body) } });
  expect(ok.status).toBe(202);
  expect(await r.applied(sha)).toBe(sha);
});

test('tcpshift status shows, per destination, the declared weight and the observed share of new connections', async () => {
  const r = await run();
  const sha = r.repo.commit(r.files(80, 20));
  r.signal('SIGHUP');
  expect(await r.applied(sha)).toBe(sha);
  for (let i = 0; i < 10; i++) await connectAndSend(r.gateway, 'x');
  const out = await tcpshiftAsync(['status', '--admin', r.adminAddress]);
  expect(out.code).toBe(0);
  expect(out.stdout).toMatch(/observed over the last 10 new connections/);
  expect(out.stdout).toMatch(/tcp-echo v1:9000 {2}weight 80 \(80%\) {2}observed 80% /);
  expect(out.stdout).toMatch(/tcp-echo v2:9000 {2}weight 20 \(20%\) {2}observed 20% /);
});
