/** `tcpshift demo --gateway-api`: the walkthrough's Gateway API variant (Istio's gateway-api-*.yaml samples unchanged), run as a user runs it. */
import { spawn } from 'node:child_process';
import { MAIN } from '../helpers/cli';
import { freePort } from '../helpers/net';

/** Spawns `tcpshift ...args`; collects stdout+stderr; killed at the end of the test if still running. */
function start(args: string[]) {
  const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  const kill = async () => { if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); await exited; };
  return { out: () => out, exited, kill };
}

const running: (() => Promise<void>)[] = [];
afterEach(async () => { for (const k of running.splice(0)) await k(); });

test('demo --gateway-api: 10 × one, then 2 of the next 10 two, the TCPRoute with its status, ECONNREFUSED after cleanup', async () => {
  const ports = { port: await freePort(), admin: await freePort(), v1: await freePort(), v2: await freePort() };
  const demo = start(['demo', '--gateway-api', '--port', String(ports.port), '--admin', String(ports.admin), '--v1', String(ports.v1), '--v2', String(ports.v2)]);
  running.push(demo.kill);
  const code = await demo.exited;
  const out = demo.out();
  expect([code, out]).toEqual([0, expect.stringContaining('✓ walkthrough reproduced')]);
  expect(out).toContain(`# 3. tcpshift run: the Gateway API Gateway opens port ${ports.port}`);
  expect(out).toContain('→ 10 of 10 answered "one" (expected 10)');
  expect(out).toContain('→ 2 of 10 answered "two" (expected 2)');
  expect(out).toContain('# 5. tcpshift get tcproute tcp-echo -o yaml');
  expect(out).toMatch(/kind: TCPRoute[\s\S]*weight: 80[\s\S]*weight: 20[\s\S]*controllerName: tcpshift.io\/gateway-controller/);
  expect(out).toMatch(/type: Accepted\n\s+status: "True"\n\s+reason: Accepted/);
  expect(out).toMatch(/type: ResolvedRefs\n\s+status: "True"\n\s+reason: ResolvedRefs/);
  expect(out).toContain('ECONNREFUSED');
  expect(out).not.toContain('31400');
}, 90_000);

test('demo --gateway-api --gateway-class other: the Gateway is not served, so the walkthrough fails at once and says why', async () => {
  const ports = { port: await freePort(), admin: await freePort(), v1: await freePort(), v2: await freePort() };
  const demo = start(['demo', '--gateway-api', '--gateway-class', 'other', '--port', String(ports.port), '--admin', String(ports.admin), '--v1', String(ports.v1), '--v2', String(ports.v2)]);
  running.push(demo.kill);
  expect(await demo.exited).toBe(1);
  expect(demo.out()).toContain('→ 0 of 10 answered "one" (expected 10)');
}, 90_000);
