/**
 * Shutdown of `tcpshift run` as a process: SIGTERM stops accepting and keeps open connections until
 * they close (exit 0); --drain-timeout cuts them (exit 0); a second signal exits at once.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAIN } from '../helpers/cli';
import { tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { connectError, freePort, LineClient, waitFor } from '../helpers/net';
import { split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

interface Running {
  gateway: number;
  /** Parsed JSON log lines so far. */
  lines(): Record<string, unknown>[];
  signal(name: NodeJS.Signals): void;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  exitedAt(): number;
}

/** `tcpshift run --dir …` with extra flags, serving the 80/20 walkthrough; killed at cleanup. */
async function run(args: string[]): Promise<Running> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const dir = tempDir();
  const state = tempDir();
  h.defer(async () => { dir.cleanup(); state.cleanup(); });
  for (const [name, text] of Object.entries(split8020Files(ports))) writeFileSync(join(dir.dir, name), text);
  const p = spawn(process.execPath, [MAIN, 'run', '--dir', dir.dir, '--state-dir', state.dir, '--admin', `127.0.0.1:${await freePort()}`,
    '--listen-host', '127.0.0.1', '--log-format', 'json', '--no-watch', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let at = 0;
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => { at = Date.now(); resolve(code); }));
  h.defer(async () => { p.kill('SIGKILL'); await exited; });
  const lines = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  await waitFor(() => lines().some((l) => l.outcome === 'applied'), 10_000, 'first apply');
  return { gateway: ports.gateway, lines, signal: (s) => p.kill(s), exited, exitedAt: () => at };
}

async function open(port: number): Promise<LineClient> {
  const c = await LineClient.open(port);
  h.defer(() => c.close());
  expect(await c.send('hello')).toMatch(/^(one|two) hello$/);
  return c;
}

test('SIGTERM: no new connections, an open one keeps working until it closes, then exit 0', async () => {
  const r = await run(['--drain-timeout', '20s']);
  const c = await open(r.gateway);
  r.signal('SIGTERM');
  await waitFor(() => r.lines().some((l) => l.msg === 'proxy draining'), 5000, 'draining');
  expect(r.lines().find((l) => l.msg === 'proxy draining')).toMatchObject({ connections: 1, drainTimeoutMs: 20_000 });
  expect(await connectError(r.gateway)).toBe('ECONNREFUSED');
  // A round trip through the draining process: it is alive and has not exited.
  expect(await c.send('still there')).toMatch(/^(one|two) still there$/);
  expect(r.exitedAt()).toBe(0);
  c.socket.end();
  expect(await r.exited).toBe(0);
  // It exited because the connection closed, not because the 20 s drain timeout passed.
  expect(r.lines().map((l) => l.msg)).toEqual(expect.arrayContaining(['proxy closed', 'stopped']));
  expect(r.lines().filter((l) => l.msg === 'drain timeout: closing remaining connections')).toEqual([]);
});

test('--drain-timeout: connections still open when it passes are closed, and the exit is 0', async () => {
  const r = await run(['--drain-timeout', '400ms']);
  const c = await open(r.gateway);
  const sentAt = Date.now();
  r.signal('SIGTERM');
  await c.closed;
  expect(Date.now() - sentAt).toBeGreaterThanOrEqual(350);
  expect(await r.exited).toBe(0);
  expect(r.lines().find((l) => l.msg === 'drain timeout: closing remaining connections')).toMatchObject({ connections: 1 });
});

test('a second signal exits at once, without waiting for open connections', async () => {
  const r = await run(['--drain-timeout', '60s']);
  await open(r.gateway);
  r.signal('SIGTERM');
  await waitFor(() => r.lines().some((l) => l.msg === 'proxy draining'), 5000, 'draining');
  r.signal('SIGINT');
  // Exit 1, not a clean stop: the drain was cut short (a 60 s drain would outlast the test's timeout).
  expect(await r.exited).toBe(1);
  expect(r.lines().find((l) => l.msg === 'second signal: exiting without waiting for connections')).toMatchObject({ signal: 'SIGINT' });
  expect(r.lines().map((l) => l.msg)).not.toContain('stopped');
});
