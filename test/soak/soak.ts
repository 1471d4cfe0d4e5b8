/**
 * The soak: one instance (local git repo → reconciler → proxy) while clients open connections without
 * pause and check every echoed byte, and a committer changes the weights every 100 ms. Short clients
 * send one payload and half-close; long clients keep one connection across many swaps and check it never
 * changes backend. Everything started here is stopped before `runSoak` returns.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp } from '../../src/app';
import { startEcho, type EchoServer } from '../../src/echo/server';
import { connectAndSend, LineClient } from '../../src/echo/client';
import { testAppConfig } from '../helpers/app';
import { gitAsync, gitRepo, tempDir } from '../helpers/git';
import { silent } from '../helpers/harness';
import { freePort } from '../helpers/net';
import { split8020Files } from '../helpers/walkthrough';

export interface SoakOptions {
  readonly durationMs: number;
  /** Concurrent one-shot clients (default 6) and long-lived ones (default 2). */
  readonly shortClients?: number;
  readonly longClients?: number;
  /** Time between weight commits (default 100 ms). */
  readonly commitEveryMs?: number;
}

export interface SoakReport {
  readonly durationMs: number;
  /** Client connections opened, and those that failed (error, timeout, wrong or missing bytes). */
  readonly attempted: number;
  readonly failed: number;
  /** Payload bytes sent and found again, prefix aside, in the echoes. */
  readonly bytesVerified: number;
  /** Lines the long-lived connections exchanged, all on the backend they started with. */
  readonly longLines: number;
  readonly commits: number;
  /** Runs that applied a new table (a swap), and runs that ended otherwise (must be 0). */
  readonly swapsApplied: number;
  readonly runsNotApplied: number;
  readonly connectionsPerSecond: number;
  /** The first few failures, for the report. */
  readonly errors: string[];
}

const VS = 'tcp-echo-all-v1.yaml';

/** Runs the soak for `durationMs`; never throws for a failed connection (it is counted). */
export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const stops: (() => Promise<void> | void)[] = [];
  const echoes: EchoServer[] = [await startEcho([0], 'one'), await startEcho([0], 'two')];
  for (const e of echoes) stops.push(() => e.close());
  try {
    const ports = { gateway: await freePort(), v1: echoes[0]!.ports[0]!, v2: echoes[1]!.ports[0]! };
    const good = split8020Files(ports);
    const withWeights = (w1: number): string =>
      (good[VS] ?? '').replace(/weight: (80|20)\n/g, (_m, w: string) => `weight: ${w === '80' ? w1 : 100 - w1}\n`);
    const repo = gitRepo(good);
    const state = tempDir();
    stops.push(() => { repo.cleanup(); state.cleanup(); });
    const app = await startApp(testAppConfig(repo.dir, state.dir), silent);
    stops.push(() => app.stop(2000));
    if ((await app.reconciler.trigger('soak')).outcome === 'failed') throw new Error('the soak instance could not apply its first revision');

    const c = { attempted: 0, failed: 0, bytesVerified: 0, longLines: 0, commits: 0, swapsApplied: 0, runsNotApplied: 0 };
    const errors: string[] = [];
    const fail = (what: string): void => {
      c.failed++;
      if (errors.length < 5) errors.push(what);
    };
    const started = Date.now();
    const deadline = started + opts.durationMs;
    let aborted = false;
    const live = (): boolean => !aborted && Date.now() < deadline;

    const shortClient = async (): Promise<void> => {
      while (live()) {
        const payload = randomBytes(randomInt(1, 3000)).toString('base64');
        c.attempted++;
        try {
          const reply = await connectAndSend(ports.gateway, payload, { timeoutMs: 5000 });
          if (reply === `one ${payload}\n` || reply === `two ${payload}\n`) c.bytesVerified += payload.length + 1;
          else fail(`short: got ${JSON.stringify(reply.slice(0, 60))} for a ${payload.length}-byte payload`);
        } catch (err) {
          fail(`short: ${(err as Error).message}`);
        }
      }
    };

    const longClient = async (): Promise<void> => {
      while (live()) {
        c.attempted++;
        let client: LineClient | null = null;
        try {
          client = await LineClient.open(ports.gateway);
          let backend: string | null = null;
          for (let i = 0; i < 40 && live(); i++) {
            const line = randomBytes(randomInt(1, 200)).toString('hex');
            const reply = await client.send(line, 5000);
            const who = reply.slice(0, 3);
            backend ??= who;
            if (reply !== `${backend} ${line}`) throw new Error(`long: line ${i} answered by ${who}, the connection started on ${backend}`);
            c.bytesVerified += line.length + 1;
            c.longLines++;
            await new Promise((r) => setTimeout(r, 10));
          }
        } catch (err) {
          fail((err as Error).message);
        } finally {
          await client?.close();
        }
      }
    };

    const committer = async (): Promise<void> => {
      try {
        await commits();
      } catch (err) {
        // The soak cannot go on without commits: count it, and stop every client.
        c.runsNotApplied++;
        errors.push(`committer: ${(err as Error).message}`);
        aborted = true;
      }
    };

    const commits = async (): Promise<void> => {
      let w1 = 80;
      while (live()) {
        const t0 = Date.now();
        let next = randomInt(0, 101);
        if (next === w1) next = (next + 37) % 101;
        w1 = next;
        writeFileSync(join(repo.work, VS), withWeights(w1));
        await gitAsync(repo.work, 'commit', '-q', '-a', '-m', `weights ${w1}/${100 - w1}`);
        c.commits++;
        const r = await app.reconciler.trigger('soak');
        if (r.outcome === 'applied' && r.changes.length > 0) c.swapsApplied++;
        else if (r.outcome !== 'applied') {
          c.runsNotApplied++;
          if (errors.length < 5) errors.push(`run ${r.outcome}: ${r.error ?? ''}`);
        }
        const wait = (opts.commitEveryMs ?? 100) - (Date.now() - t0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    };

    await Promise.all([
      committer(),
      ...Array.from({ length: opts.shortClients ?? 6 }, () => shortClient()),
      ...Array.from({ length: opts.longClients ?? 2 }, () => longClient()),
    ]);
    const durationMs = Date.now() - started;
    return { durationMs, ...c, connectionsPerSecond: Math.round((c.attempted / durationMs) * 1000), errors };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
