/** The logs of a real `tcpshift run`: no duplicate JSON keys, pretty output one line per event, --log-level checked. */
import { spawn } from 'node:child_process';
import { parseDocument } from 'yaml';
import { MAIN, tcpshift } from '../helpers/cli';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

/** The keys that occur more than once in one JSON object of `line` (JSON.parse keeps the last silently; YAML's parser reports them). */
function duplicateKeyErrors(line: string): string[] {
  JSON.parse(line);
  return parseDocument(line, { uniqueKeys: true }).errors.map((e) => e.message);
}

/** `tcpshift run` on a repo with the 80/20 split; returns its output so far and a stop that waits for the exit. */
async function run(args: string[]): Promise<{ out: () => string; gateway: number; stop(): Promise<number | null> }> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(split8020Files(ports));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const p = spawn(process.execPath, [MAIN, 'run', '--repo', repo.dir, '--state-dir', state.dir, '--admin', `127.0.0.1:${await freePort()}`,
    '--listen-host', '127.0.0.1', '--no-watch', '--interval', '1h', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  h.defer(async () => { p.kill('SIGKILL'); await exited; });
  await waitFor(() => out.includes('reconcile finished'), 10_000, () => `first apply; output so far: ${out}`);
  return { out: () => out, gateway: ports.gateway, stop: () => { p.kill('SIGTERM'); return exited; } };
}

test('no log line has a duplicate key (proxy lines carried "component":"proxy" twice)', async () => {
  const r = await run(['--log-format', 'json', '--log-level', 'debug']);
  expect(await connectAndSend(r.gateway, 'hi')).toMatch(/^(one|two) hi/);
  expect(await r.stop()).toBe(0);
  const lines = r.out().split('\n').filter(Boolean);
  const proxyLines = lines.filter((l) => l.includes('"component":"proxy"'));
  expect(proxyLines.length).toBeGreaterThan(0);
  for (const l of lines) expect([l, duplicateKeyErrors(l)]).toEqual([l, []]);
});

test('--log-format pretty: one line per event', async () => {
  const r = await run(['--log-format', 'pretty']);
  expect(await r.stop()).toBe(0);
  const lines = r.out().split('\n').filter(Boolean);
  expect(lines.length).toBeGreaterThanOrEqual(3); // applied, draining, stopped
  for (const l of lines) expect(l).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL)/);
  const finished = lines.find((l) => l.includes('reconcile finished'));
  expect(finished).toMatch(/"outcome":"applied"/);
});

test('--log-level verbose is refused like any bad flag value, naming the levels', () => {
  const r = tcpshift(['run', '--dir', '/nonexistent', '--log-level', 'verbose']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/--log-level.*verbose/);
  expect(r.stderr).toMatch(/trace, debug, info, warn, error/);
  expect(r.stderr).not.toMatch(/custom levels/);
});
