/** `tcpshift demo rollout` as a user runs it, on free ports: v1 → v2 in steps, then a refusing v3 rolled back by itself. */
import { spawn } from 'node:child_process';
import { MAIN } from '../helpers/cli';
import { freePort } from '../helpers/net';

test('demo rollout: steps with the measured split, the abort message, and v2 serving again', async () => {
  const ports = { port: await freePort(), admin: await freePort(), v1: await freePort(), v2: await freePort(), v3: await freePort() };
  const p = spawn(process.execPath, [MAIN, 'demo', 'rollout', ...Object.entries(ports).flatMap(([k, v]) => [`--${k}`, String(v)])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const code = await new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
  expect([code, out]).toEqual([0, expect.stringContaining('✓ rollout walkthrough reproduced')]);
  expect(out).toContain('in 3 steps: 80/20, 50/50, 0/100, 3s each, gated by connect failures ≤ 1%');
  expect(out).toMatch(/default\/tcp-echo Succeeded step 3\/3 0\/100/);
  expect(out).toMatch(/reason RolloutAborted\n {4}v3 connect failures \d+(\.\d+)?% > 1% at step 1\/3 \(20%\)/);
  expect(out).toMatch(/measured now: two 100%\n\n✓/);
}, 90_000);
