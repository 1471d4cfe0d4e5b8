/** Test helper: a real `tcpshift run` (child process) over a temporary Git repo with the walkthrough on echo backends. */
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';
import type { Harness } from '../helpers/harness';
import { freePort } from '../helpers/net';
import { startRun, type RunProcess } from '../helpers/run-process';
import { allV1Files, split8020Files, type WalkthroughPorts } from '../helpers/walkthrough';

export interface UiInstance {
  readonly run: RunProcess;
  readonly repo: GitRepo;
  readonly ports: WalkthroughPorts;
  readonly admin: number;
  readonly url: string;
  readonly stateDir: string;
}

/** Starts `tcpshift run` on the 80/20 walkthrough (or all-v1), watching the repo; resolves after the first apply (or, over a given state, the first run). */
export async function uiInstance(h: Harness, opts: { token?: string; allV1?: boolean; admin?: number; repo?: GitRepo; stateDir?: string; ports?: WalkthroughPorts } = {}): Promise<UiInstance> {
  const ports = opts.ports ?? { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = opts.repo ?? gitRepo(opts.allV1 ? allV1Files(ports) : split8020Files(ports));
  const stateDir = opts.stateDir ?? (() => { const s = tempDir(); h.defer(async () => s.cleanup()); return s.dir; })();
  if (!opts.repo) h.defer(async () => repo.cleanup());
  const admin = opts.admin ?? await freePort();
  const run = startRun(h, ['--repo', repo.dir, '--state-dir', stateDir, '--admin', `127.0.0.1:${admin}`, '--listen-host', '127.0.0.1', '--interval', '10m',
    ...(opts.token ? ['--admin-token', opts.token] : [])]);
  // A restart over the same state serves the persisted revision, then finds nothing new (`noop`).
  await run.line((l) => l.outcome === 'applied' || (opts.stateDir !== undefined && l.outcome === 'noop'), 15_000, 'first apply');
  return { run, repo, ports, admin, url: `http://127.0.0.1:${admin}/`, stateDir };
}
