/**
 * Commit → serving: how long after `git commit` starts new connections go where the commit says.
 * The probe route flips between the `a` (v1) and `b` (v2) upstreams; a client connects in a loop
 * and stops at the first connection the new upstream answers.
 */
import { join } from 'node:path';
import { benchManifests } from './manifests';
import { freePorts, probeId, sleep } from './net';
import { Repo } from './repo';
import { median } from './stats';
import { startTcpshift, type Tcpshift } from './tcpshift';
import { baseRoutes, services, type Upstreams } from './targets';

export type CommitMode = 'watch' | 'poll 1s' | 'POST /reconcile';

export interface CommitLatency { mode: CommitMode; trials: number; medianMs: number; minMs: number; maxMs: number }

/** Runs `trials` flips against a fresh tcpshift in `mode`; rejects when a flip is not served within 10 s. */
export async function measureCommitLatency(u: Upstreams, workDir: string, mode: CommitMode, trials: number): Promise<CommitLatency> {
  const dir = join(workDir, `commit-${mode.replace(/[^a-z0-9]+/gi, '-')}`);
  const [echo, bulk, probe, adminPort] = (await freePorts(4)) as [number, number, number, number];
  const repo = new Repo(join(dir, 'repo'));
  const filesFor = (toV2: boolean) => {
    const routes = baseRoutes(echo, bulk, probe).map((r) => (r.name === 'probe' ? { ...r, weights: (toV2 ? [0, 100] : [100, 0]) as [number, number] } : r));
    return benchManifests(services(u), routes);
  };
  repo.commit(filesFor(false), 'probe → a');
  const t: Tcpshift = await startTcpshift({
    repo: repo.dir, stateDir: join(dir, 'state'), logFile: join(dir, 'tcpshift.log'), readyPorts: [echo],
    watch: mode === 'watch', interval: mode === 'poll 1s' ? '1s' : '1h', adminPort,
  });
  const samples: number[] = [];
  try {
    for (let i = 1; i <= trials; i++) {
      const toV2 = i % 2 === 1;
      const want = toV2 ? 'b' : 'a';
      repo.stage(filesFor(toV2));
      // a random phase against the poll timer
      await sleep(100 + Math.random() * 1000);
      const t0 = performance.now();
      repo.commitStaged(`probe → ${want}`);
      if (mode === 'POST /reconcile') {
        const status = await t.reconcile();
        if (status !== 200) throw new Error(`POST /reconcile answered ${status}`);
      }
      for (;;) {
        const got = await probeId(probe, 1000);
        if (got === want) break;
        if (performance.now() - t0 > 10_000) throw new Error(`${mode}: commit not serving after 10 s`);
        await sleep(1);
      }
      samples.push(performance.now() - t0);
    }
  } finally {
    await t.stop();
  }
  return { mode, trials, medianMs: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples) };
}
