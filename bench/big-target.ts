/** One target (tcpshift, its JS path, HAProxy, nginx) serving a RouteRepo's 1,000+ listeners. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { echoOnce, waitUntil } from './net';
import { startHaproxy, startNginx, type Peer } from './peers';
import { processTree } from './proc-stats';
import type { Repo } from './repo';
import type { RouteRepo } from './route-repo';
import { startTcpshift, type Tcpshift } from './tcpshift';
import type { TargetKind } from './targets';

/** A running target with the big repo. */
export interface BigTarget {
  readonly kind: TargetKind;
  readonly dir: string;
  /** performance.now() just before the process was spawned (after its repo was written). */
  readonly spawnedAt: number;
  pids(): number[];
  stop(): Promise<void>;
  /** tcpshift: the process and the git repo it follows. */
  readonly tcpshift?: Tcpshift;
  readonly repo?: Repo;
  readonly logFile?: string;
  /** HAProxy, nginx: the reloadable peer. */
  readonly peer?: Peer;
}

export interface BigOptions {
  readonly versions: Partial<Record<TargetKind, string>>;
  /** tcpshift: watch the repo (default) or follow it only on POST /reconcile. */
  readonly watch?: boolean;
  readonly tcpshiftArgs?: readonly string[];
  readonly readyTimeoutMs?: number;
  /** tcpshift: ports that must echo before the launch resolves (default: the echo and ping routes). */
  readonly readyPorts?: readonly number[];
}

let launches = 0;

/** Starts `kind` on the repo's listeners; resolves once the echo and ping routes answer. */
export async function launchBig(kind: TargetKind, rr: RouteRepo, adminPort: number, workDir: string, o: BigOptions): Promise<BigTarget> {
  const dir = join(workDir, `${kind}-${rr.routes}-${++launches}`);
  mkdirSync(dir, { recursive: true });
  if (kind === 'tcpshift' || kind === 'tcpshift-js') {
    const repo = rr.createRepo(join(dir, 'repo'));
    const logFile = join(dir, 'tcpshift.log');
    const spawnedAt = performance.now();
    const t = await startTcpshift({
      repo: repo.dir, stateDir: join(dir, 'state'), logFile, readyPorts: o.readyPorts ?? [rr.echoPort, rr.pingPort], adminPort,
      watch: o.watch ?? true, ...(o.tcpshiftArgs ? { extraArgs: o.tcpshiftArgs } : {}),
      ...(kind === 'tcpshift-js' ? { env: { ...process.env, TCPSHIFT_NATIVE: '0' } } : {}),
      ...(o.readyTimeoutMs ? { readyTimeoutMs: o.readyTimeoutMs } : {}),
    });
    return { kind, dir, spawnedAt, pids: () => processTree(t.proc.pid), stop: () => t.stop(), tcpshift: t, repo, logFile };
  }
  if (kind !== 'haproxy' && kind !== 'nginx') throw new Error(`${kind} cannot serve the big repo`);
  const spawnedAt = performance.now();
  const peer = kind === 'haproxy'
    ? startHaproxy(dir, rr.pools(), o.versions.haproxy ?? '?', true)
    : startNginx(dir, rr.pools(), o.versions.nginx ?? '?', true);
  try {
    let exited = false;
    void peer.proc.exited.then(() => (exited = true));
    await waitUntil(`${kind} to serve ${rr.routes} listeners`, async () => {
      if (exited) throw new Error(`${kind} exited; see ${dir}`);
      return (await echoOnce(rr.echoPort, 500)) && (await echoOnce(rr.pingPort, 500));
    }, o.readyTimeoutMs ?? 30_000, 50);
  } catch (err) {
    await peer.stop();
    throw err;
  }
  return { kind, dir, spawnedAt, pids: () => processTree(peer.proc.pid), stop: () => peer.stop(), peer };
}
