/**
 * `tcpshift demo rollout` (`npm run demo -- --rollout`): v1 → v2 in health-gated steps with a healthy v2,
 * then a commit toward a v3 whose port refuses: the checks fail and tcpshift goes back by itself.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusDocument } from './status-view';
import { connectAndSend } from '../echo/client';
import { adminRequest } from './admin-client';
import { withDemoPorts } from './demo-steps';
import { rolloutSummary } from './status-view';

const EXAMPLE = join(__dirname, '..', '..', 'config-repo-example');
const MAIN = join(__dirname, 'main.js');

/** The ports of the rollout demo (v3 is dialled but nothing listens there). */
export interface RolloutDemoFlags { port: number; admin: number; v1: number; v2: number; v3: number; keep: boolean }

const POLICY = `apiVersion: tcpshift.io/v1alpha1
kind: RolloutPolicy
metadata:
  name: tcp-echo
spec:
  targetRefs:
  - name: tcp-echo
  steps: [20, 50]
  stepDuration: 3s
  analysis:
    interval: 1s
    threshold: 2
    minConnections: 5
    maxConnectFailurePercent: 1
`;

/** The tcp-echo VirtualService sending `a`% to subset `from` and `b`% to subset `to`. */
function virtualService(port: number, from: string, a: number, to: string, b: number): string {
  const dest = (subset: string, w: number) => `    - destination:\n        host: tcp-echo\n        port:\n          number: 9000\n        subset: ${subset}\n      weight: ${w}\n`;
  return `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: tcp-echo\nspec:\n  hosts:\n  - "*"\n  gateways:\n  - tcp-echo-gateway\n  tcp:\n  - match:\n    - port: ${port}\n    route:\n${dest(from, a)}${dest(to, b)}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line = ''): void => { process.stdout.write(`${line}\n`); };

/** Runs the rollout walkthrough; true when every step behaved as described. */
export async function runRolloutDemo(f: RolloutDemoFlags): Promise<boolean> {
  const tmp = mkdtempSync(join(tmpdir(), 'tcpshift-rollout-demo-'));
  const repo = join(tmp, 'repo');
  const procs: ChildProcess[] = [];
  const admin = `http://127.0.0.1:${f.admin}`;
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=tcpshift demo', '-c', 'user.email=demo@tcpshift.invalid', '-C', repo, ...args], { encoding: 'utf8' });
  const start = (args: string[], name: string) => {
    const log = openSync(join(tmp, `${name}.log`), 'w');
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', log, log] });
    p.once('error', (err) => say(`✗ ${name} could not be started: ${err.message}`));
    procs.push(p);
  };
  const status = () => adminRequest<StatusDocument>(admin, '/status');
  let failures = 0;
  const fail = (why: string) => { failures++; say(`✗ ${why}`); };
  // Clients: one connection every 20 ms, answers tallied by backend.
  let tally = new Map<string, number>();
  let traffic = true;
  const clients = (async () => {
    while (traffic) {
      void connectAndSend(f.port, 'hello', { timeoutMs: 2000 }).then((r) => r.split(' ')[0] ?? '?', () => 'error')
        .then((k) => tally.set(k, (tally.get(k) ?? 0) + 1));
      await sleep(20);
    }
  })();
  const measured = () => {
    const t = tally;
    tally = new Map();
    const n = [...t.values()].reduce((a, b) => a + b, 0) || 1;
    return [...t].sort().map(([k, v]) => `${k} ${Math.round((v / n) * 100)}%`).join(', ');
  };
  try {
    say('# 1. Backends: v1 answers "one", v2 answers "two"; v3\'s port refuses (nothing listens there)');
    start(['echo', String(f.v1), 'one'], 'echo-v1');
    start(['echo', String(f.v2), 'two'], 'echo-v2');
    cpSync(EXAMPLE, repo, { recursive: true });
    for (const rel of readdirSync(repo, { recursive: true, encoding: 'utf8' }).filter((x) => x.endsWith('.yaml'))) {
      writeFileSync(join(repo, rel), withDemoPorts(readFileSync(join(repo, rel), 'utf8'), f));
    }
    const all = join(repo, 'manifests', 'tcp-echo-all-v1.yaml');
    writeFileSync(all, readFileSync(all, 'utf8').replace('      version: v2\n', '      version: v2\n  - name: v3\n    labels:\n      version: v3\n'));
    const workloads = join(repo, 'manifests', 'tcp-echo-workloads.yaml');
    writeFileSync(workloads, `${readFileSync(workloads, 'utf8').trimEnd()}\n---\napiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata:\n  name: tcp-echo-v3\nspec:\n  address: 127.0.0.1\n  ports:\n    tcp: ${f.v3}\n  labels:\n    app: tcp-echo\n    version: v3\n`);
    writeFileSync(join(repo, 'manifests', 'rollout.yaml'), POLICY);
    const setVs = (from: string, a: number, to: string, b: number) => {
      const text = readFileSync(all, 'utf8');
      const at = text.indexOf('apiVersion: networking.istio.io/v1\nkind: VirtualService');
      writeFileSync(all, `${text.slice(0, at)}${virtualService(f.port, from, a, to, b)}`);
    };
    setVs('v1', 100, 'v2', 0);
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'tcp-echo: all traffic to v1, with a RolloutPolicy');
    say('# 2. manifests/rollout.yaml:');
    say(POLICY.trimEnd().split('\n').map((l) => `    ${l}`).join('\n'));

    start(['run', '--repo', repo, '--path', 'manifests', '--state-dir', join(tmp, 'state'), '--admin', `127.0.0.1:${f.admin}`,
      '--listen-host', '127.0.0.1', '--log-format', 'json', '--interval', '1s'], 'tcpshift-run');
    await until(async () => (await status().catch(() => null))?.lastAppliedRevision === git('rev-parse', 'HEAD').trim(), 15_000, 'the first revision');

    say('\n# 3. Commit v1 0 / v2 100: tcpshift walks there in steps, checking v2 at every step');
    setVs('v1', 0, 'v2', 100);
    git('commit', '-qam', 'tcp-echo: all traffic to v2');
    say('  $ tcpshift diff HEAD~1 HEAD --repo … --path manifests');
    const diff = spawnSync(process.execPath, [MAIN, 'diff', 'HEAD~1', 'HEAD', '--repo', repo, '--path', 'manifests'], { encoding: 'utf8' });
    say(diff.stdout.trim().split('\n').map((l) => `  ${l}`).join('\n'));
    const toV2 = git('rev-parse', 'HEAD').trim();
    measured();
    let lastStep = '';
    await until(async () => {
      const s = await status();
      const r = s.rollouts[0];
      const line = r ? `${r.phase} ${r.step}` : '';
      if (r && line !== lastStep) {
        lastStep = line;
        say(`  ${rolloutSummary(r)}`);
        const m = measured();
        if (m !== '') say(`    measured since the last line: ${m}`);
      }
      return s.lastAppliedRevision === toV2;
    }, 60_000, 'the rollout to v2');
    await sleep(1000);
    say(`  applied ${toV2.slice(0, 12)}; measured now: ${measured()}`);

    say('\n# 4. Commit v2 0 / v3 100 — v3 refuses every connection');
    setVs('v2', 0, 'v3', 100);
    git('commit', '-qam', 'tcp-echo: all traffic to v3 (broken)');
    let s: StatusDocument | null = null;
    await until(async () => {
      s = await status();
      const r = s.rollouts[0];
      const line = r ? `${r.phase} ${r.step} ${r.checks.map((c) => c.ok).join()}` : '';
      if (r && line !== lastStep) {
        lastStep = line;
        say(`  ${rolloutSummary(r)}`);
      }
      return s.reason === 'RolloutAborted';
    }, 60_000, 'the abort');
    const aborted = s as StatusDocument | null;
    say(`  $ tcpshift status   → Ready ${aborted?.ready ? 'True' : 'False'}  reason ${aborted?.reason}\n    ${aborted?.message}`);
    measured();
    await sleep(1000);
    const after = measured();
    say(`  serving ${aborted?.lastAppliedRevision?.slice(0, 12)} again; measured now: ${after}`);
    if (aborted?.lastAppliedRevision !== toV2) fail('the previous revision is not the applied one after the abort');
    if (!/^two 100%$/.test(after)) fail(`expected every answer from v2 after the abort, got ${after}`);
    say(failures === 0 ? '\n✓ rollout walkthrough reproduced' : `\n✗ ${failures} step(s) did not behave as expected`);
    return failures === 0;
  } catch (err) {
    say(`\n✗ ${(err as Error).message} (logs in ${tmp})`);
    return false;
  } finally {
    traffic = false;
    await clients;
    await Promise.all(procs.map((p) => new Promise<void>((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
      setTimeout(() => { p.kill('SIGKILL'); resolve(); }, 5000).unref();
    })));
    if (f.keep) say(`(kept ${tmp})`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}
