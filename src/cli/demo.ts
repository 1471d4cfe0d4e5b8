/**
 * `tcpshift demo` (`npm run demo`): Istio's "TCP Traffic Shifting" walkthrough, end to end, through
 * real git commits in a temporary copy of config-repo-example/ and real `tcpshift` processes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { ReconcileStatus } from '../reconcile/status';
import { connectAndSend, LineClient } from '../echo/client';
import { adminRequest } from './admin-client';
import { portArg } from './options';
import { clientCommand, withDemoPorts } from './demo-steps';
import { demoVariant, type DemoVariant } from './demo-variant';
import { gatewayClassOption } from './compile-options';
import { runRolloutDemo } from './demo-rollout';

const MAIN = join(__dirname, 'main.js');

interface DemoFlags { port: number; admin: number; v1: number; v2: number; v3: number; keep: boolean; rollout?: boolean; gatewayApi?: boolean; gatewayClass: string }

/** Adds the `demo` command; exit 0 when every step behaved as the walkthrough says, 1 otherwise. */
export function registerDemo(program: Command): void {
  program.command('demo')
    .description("run Istio's TCP traffic-shifting walkthrough end to end in a temporary git repo")
    .addOption(new Option('--port <n>', 'gateway port (the walkthrough uses 31400)').default(31400).argParser(portArg))
    .addOption(new Option('--admin <n>', 'admin port').default(15000).argParser(portArg))
    .addOption(new Option('--v1 <n>', 'port of the v1 backend').default(9000).argParser(portArg))
    .addOption(new Option('--v2 <n>', 'port of the v2 backend').default(9001).argParser(portArg))
    .addOption(new Option('--v3 <n>', 'port of the broken v3 (nothing listens there; --rollout)').default(9002).argParser(portArg))
    .addOption(new Option('--keep', 'keep the temporary repo and logs'))
    .addOption(new Option('--rollout', 'the progressive-rollout walkthrough instead (same as `tcpshift demo rollout`)'))
    .addOption(new Option('--gateway-api', "the walkthrough's Gateway API variant: Istio's gateway-api-tcp-echo-*.yaml samples (Gateway, TCPRoute) unchanged"))
    .addOption(gatewayClassOption())
    .argument('[walkthrough]', '`rollout`: v1 → v2 in health-gated steps, then a broken v3 rolled back by itself')
    .action(async (walkthrough: string | undefined, flags: DemoFlags) => {
      if (flags.rollout || walkthrough === 'rollout') process.exit((await runRolloutDemo(flags)) ? 0 : 1);
      if (walkthrough !== undefined) {
        process.stderr.write(`error: unknown walkthrough ${JSON.stringify(walkthrough)} (known: rollout)\n`);
        process.exit(2);
      }
      const demo = new Demo(flags);
      let ok = false;
      try {
        ok = await demo.run();
      } catch (err) {
        say(`\n✗ ${(err as Error).message}`);
      } finally {
        await demo.cleanup();
      }
      process.exit(ok ? 0 : 1);
    });
}

/** What `date` prints: `Sat Nov 21 11:50:48 UTC 2026`. */
function dateLine(d = new Date()): string {
  const [wd, day, mon, year] = d.toUTCString().replace(',', '').split(' ');
  return `${wd} ${mon} ${day} ${d.toISOString().slice(11, 19)} UTC ${year}`;
}

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Demo {
  private readonly tmp = mkdtempSync(join(tmpdir(), 'tcpshift-demo-'));
  private readonly repo = join(this.tmp, 'repo');
  private readonly procs: ChildProcess[] = [];
  private readonly admin: string;
  private readonly v: DemoVariant;
  private failures = 0;

  constructor(private readonly f: DemoFlags) {
    this.admin = `http://127.0.0.1:${f.admin}`;
    this.v = demoVariant(f.gatewayApi === true);
  }

  async run(): Promise<boolean> {
    const { port } = this.f;
    say('# 1. Two tcp-echo backends: v1 answers "one", v2 answers "two"');
    this.cmd(['echo', String(this.f.v1), 'one'], 'echo-v1');
    this.cmd(['echo', String(this.f.v2), 'two'], 'echo-v2');
    say(`$ tcpshift echo ${this.f.v1} one &   tcpshift echo ${this.f.v2} two &`);

    say(`\n# 2. A Git repo with ${this.v.samples}, unchanged, plus WorkloadEntries saying where v1 and v2 run`);
    this.makeRepo();
    say(`$ git -C ${this.repo} log --oneline\n${this.git('log', '--oneline').trim()}`);

    say(`\n# 3. tcpshift run: the ${this.v.gateway} opens port ${port}, all traffic to v1`);
    say(`$ tcpshift run --repo ${this.repo} --path manifests --admin 127.0.0.1:${this.f.admin}`);
    this.cmd(['run', '--repo', this.repo, '--path', 'manifests', '--state-dir', join(this.tmp, 'state'),
      '--admin', `127.0.0.1:${this.f.admin}`, '--listen-host', '127.0.0.1', '--log-format', 'json', '--interval', '10s', '--gateway-class', this.f.gatewayClass], 'tcpshift-run');
    await this.waitApplied(this.git('rev-parse', 'HEAD').trim(), 15_000);
    this.expectCount(await this.tenConnections(port), 'one', 10);

    say(`\n# 4. Commit the 80/20 ${this.v.route} (${this.v.step}) in place of the all-v1 rule`);
    say(`$ cp steps/20-v2/${this.v.allV1} manifests/`);
    const held = await LineClient.open(port, '127.0.0.1');
    const before = await held.send('opened before the switch');
    say(`  a connection opened before the commit: ${before}`);
    cpSync(join(this.repo, 'steps', '20-v2', this.v.allV1), join(this.repo, 'manifests', this.v.allV1));
    const t0 = performance.now();
    this.git('commit', '-qam', 'Shift 20% of tcp-echo to v2');
    const sha = this.git('rev-parse', 'HEAD').trim();
    await this.waitApplied(sha, 5000);
    say(`$ git commit -am "Shift 20% of tcp-echo to v2"   → serving ${sha.slice(0, 12)} ${(performance.now() - t0).toFixed(0)} ms after the commit`);
    this.showReconcileLog();
    const after = await held.send('still here after the switch');
    say(`  the same connection after the commit:  ${after}`);
    if (!after.startsWith(before.split(' ')[0] ?? '')) this.fail('an open connection changed backend');
    held.close();

    say(`\n# 5. tcpshift get ${this.v.getKind} tcp-echo -o yaml`);
    say(execFileSync(process.execPath, [MAIN, 'get', this.v.getKind, 'tcp-echo', '-o', 'yaml', '--admin', `127.0.0.1:${this.f.admin}`], { encoding: 'utf8' }).trimEnd());

    say('\n# 6. Ten new connections: exactly two go to v2');
    this.expectCount(await this.tenConnections(port), 'two', 2);

    say('\n# 7. Cleanup: delete the manifests; the listener closes');
    this.git('rm', '-q', ...this.git('ls-files', 'manifests/*.yaml').trim().split('\n'));
    this.git('commit', '-qm', 'Remove the tcp-echo routes');
    await this.waitApplied(this.git('rev-parse', 'HEAD').trim(), 5000);
    const refused = await connectAndSend(port, 'anyone?', { timeoutMs: 2000 }).then(() => null, (e: NodeJS.ErrnoException) => e.code ?? e.message);
    say(`$ ${clientCommand(port)}   → ${refused ?? 'still answering!'}`);
    if (refused !== 'ECONNREFUSED') this.fail('the listener is still open after the cleanup commit');

    say(this.failures === 0 ? '\n✓ walkthrough reproduced' : `\n✗ ${this.failures} step(s) did not behave as expected`);
    return this.failures === 0;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.procs.map((p) => new Promise<void>((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
      setTimeout(() => { p.kill('SIGKILL'); resolve(); }, 5000).unref();
    })));
    if (this.f.keep) say(`(kept ${this.tmp})`);
    else rmSync(this.tmp, { recursive: true, force: true });
  }

  private cmd(args: string[], name: string): void {
    const log = openSync(join(this.tmp, `${name}.log`), 'w');
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', log, log] });
    p.once('error', (err) => this.fail(`${name} could not be started: ${err.message}`));
    p.once('exit', (code, signal) => {
      if (code !== 0 && signal === null) {
        say(`✗ ${name} exited with code ${code}:\n${readFileSync(join(this.tmp, `${name}.log`), 'utf8')}`);
        this.failures++;
      }
    });
    this.procs.push(p);
  }

  private makeRepo(): void {
    const from = this.v.dir;
    cpSync(from, this.repo, { recursive: true, filter: (src) => !src.includes(`${join(from, '.github')}`) });
    for (const rel of readdirSync(this.repo, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'))) {
      const file = join(this.repo, rel);
      writeFileSync(file, withDemoPorts(readFileSync(file, 'utf8'), this.f));
    }
    this.git('init', '-q', '-b', 'main');
    this.git('add', '-A');
    this.git('commit', '-qm', 'tcp-echo: all traffic to v1');
  }

  private git(...args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=tcpshift demo', '-c', 'user.email=demo@tcpshift.invalid', '-C', this.repo, ...args], { encoding: 'utf8' });
  }

  private async waitApplied(revision: string, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      try {
        const s = await adminRequest<ReconcileStatus>(this.admin, '/status');
        if (s.lastAppliedRevision === revision) return;
        last = `${s.reason}: ${s.message}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(5);
    }
    throw new Error(`revision ${revision.slice(0, 12)} was not applied within ${timeoutMs} ms (${last}); logs in ${this.tmp}`);
  }

  /** Ten `(date; sleep 1) | nc 127.0.0.1 PORT` at once; prints each answer. */
  private async tenConnections(port: number): Promise<string[]> {
    say(`$ for i in $(seq 1 10); do ${clientCommand(port)}; done`);
    const replies = await Promise.all(Array.from({ length: 10 }, () =>
      connectAndSend(port, dateLine(), { holdMs: 1000, timeoutMs: 5000 }).then((r) => r.trim(), (e: Error) => `error: ${e.message}`)));
    for (const r of replies) say(r);
    return replies;
  }

  /** Prints the last `reconcile finished` line of tcpshift's log: what changed and why. */
  private showReconcileLog(): void {
    const lines = readFileSync(join(this.tmp, 'tcpshift-run.log'), 'utf8').trim().split('\n');
    const last = lines.reverse().map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return null; } })
      .find((l) => l?.msg === 'reconcile finished' && l.outcome === 'applied');
    if (!last) return;
    say(`  tcpshift log: ${JSON.stringify({ revision: last.revision, outcome: last.outcome, changes: last.changes, durationMs: last.durationMs, trigger: last.trigger })}`);
  }

  private expectCount(replies: string[], prefix: string, n: number): void {
    const got = replies.filter((r) => r.startsWith(`${prefix} `)).length;
    say(`  → ${got} of ${replies.length} answered "${prefix}" (expected ${n})`);
    if (got !== n) this.fail(`expected ${n} "${prefix}" answers, got ${got}`);
  }

  private fail(why: string): void {
    this.failures++;
    say(`✗ ${why}`);
  }
}
