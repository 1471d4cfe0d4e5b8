/** `tcpshift demo` on ports other than the walkthrough's, and `tcpshift echo`, run as a user runs them. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceVirtualService, withDemoPorts } from '../../src/cli/demo-steps';
import { MAIN } from '../helpers/cli';
import { EXAMPLE_DIR } from '../helpers/manifests';
import { connectAndSend, freePort, waitFor } from '../helpers/net';

/** Spawns `tcpshift ...args`; collects stdout+stderr; killed at the end of the test if still running. */
function start(args: string[]) {
  const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  const kill = async () => { if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); await exited; };
  return { p, out: () => out, exited, kill };
}

const running: (() => Promise<void>)[] = [];
afterEach(async () => { for (const k of running.splice(0)) await k(); });

test('demo --port/--admin/--v1/--v2: the walkthrough passes on ports other than 31400/15000/9000/9001', async () => {
  const ports = { port: await freePort(), admin: await freePort(), v1: await freePort(), v2: await freePort() };
  const demo = start(['demo', '--port', String(ports.port), '--admin', String(ports.admin), '--v1', String(ports.v1), '--v2', String(ports.v2)]);
  running.push(demo.kill);
  const code = await demo.exited;
  expect([code, demo.out()]).toEqual([0, expect.stringContaining('✓ walkthrough reproduced')]);
  expect(demo.out()).toContain(`# 3. tcpshift run: the Gateway opens port ${ports.port}`);
  expect(demo.out()).toContain(`/dev/tcp/127.0.0.1/${ports.port}`);
  expect(demo.out()).not.toContain('31400');
}, 60_000);

test('demo: a port that is not a port is refused', async () => {
  const demo = start(['demo', '--port', 'x']);
  running.push(demo.kill);
  expect(await demo.exited).not.toBe(0);
  expect(demo.out()).toMatch(/expected a port/);
});

test('echo PORTS PREFIX: answers every line on every port with "<prefix> <line>"; SIGTERM exits 0', async () => {
  const [a, b] = [await freePort(), await freePort()];
  const echo = start(['echo', `${a},${b}`, 'one']);
  running.push(echo.kill);
  await waitFor(() => echo.out().includes('listening on'), 10_000, () => `echo to listen; output: ${echo.out()}`);
  expect(echo.out()).toContain(`127.0.0.1:${a}, 127.0.0.1:${b}`);
  expect(await connectAndSend(a, 'hello')).toBe('one hello\n');
  expect(await connectAndSend(b, 'first\nsecond')).toBe('one first\none second\n');
  echo.p.kill('SIGTERM');
  expect(await echo.exited).toBe(0);
});

test('steps/20-v2/tcp-echo-all-v1.yaml is the all-v1 file with Istio\'s 80/20 VirtualService in place (a cp is step 4)', () => {
  const read = (...p: string[]) => readFileSync(join(EXAMPLE_DIR, ...p), 'utf8');
  expect(read('steps', '20-v2', 'tcp-echo-all-v1.yaml')).toBe(replaceVirtualService(read('manifests', 'tcp-echo-all-v1.yaml'), read('steps', 'tcp-echo-20-v2.yaml')));
});

test('withDemoPorts moves the Gateway and the endpoints, not the service port', () => {
  const se = withDemoPorts(readFileSync(join(EXAMPLE_DIR, 'manifests', 'tcp-echo-workloads.yaml'), 'utf8'), { port: 20001, v1: 20002, v2: 20003 });
  expect(se).toMatch(/tcp: 20002/);
  expect(se).toMatch(/tcp: 20003/);
  const svc = withDemoPorts(readFileSync(join(EXAMPLE_DIR, 'manifests', 'tcp-echo-services.yaml'), 'utf8'), { port: 20001, v1: 20002, v2: 20003 });
  expect(svc).toMatch(/port: 9000/);
});
