/**
 * The things measured side by side: the direct path (no proxy), tcpshift, HAProxy and nginx. Each
 * exposes an echo port (routed 80/20 to the two echo backends) and a bulk port (80/20 to the sinks).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { benchManifests, type BenchRoute, type Service } from './manifests';
import { freePorts, waitUntil, echoOnce } from './net';
import { startHaproxy, startNginx, type Peer } from './peers';
import { processTree } from './proc-stats';
import { Repo } from './repo';
import { startTcpshift, type Tcpshift } from './tcpshift';

export type TargetKind = 'direct' | 'tcpshift' | 'tcpshift-js' | 'haproxy' | 'nginx';

/** Backend ports: two echo, two sink and two `id` upstreams (`a` for v1, `b` for v2). */
export interface Upstreams {
  readonly echo: readonly [number, number];
  readonly sink: readonly [number, number];
  readonly id: readonly [number, number];
}

export interface Target {
  readonly kind: TargetKind;
  readonly echoPort: number;
  readonly bulkPort: number;
  /** Process ids whose CPU and memory count for this target (none for direct). */
  pids(): number[];
  stop(): Promise<void>;
  /** For tcpshift: the process and the repo it follows. */
  readonly tcpshift?: Tcpshift;
  readonly repo?: Repo;
  /** For tcpshift: the listener routed to the `id` upstreams. */
  readonly probePort?: number;
}

export const WEIGHTS: readonly [number, number] = [80, 20];

/** The bench's services for tcpshift: echo, sink and probe (id) upstreams. */
export function services(u: Upstreams): Service[] {
  return [
    { host: 'echo', v1: u.echo[0], v2: u.echo[1] },
    { host: 'sink', v1: u.sink[0], v2: u.sink[1] },
    { host: 'probe', v1: u.id[0], v2: u.id[1] },
  ];
}

/** Echo and bulk routes (80/20) plus a probe route (all to v1, `a`) for commit → serving. */
export function baseRoutes(echo: number, bulk: number, probe: number): BenchRoute[] {
  return [
    { name: 'echo', listen: echo, host: 'echo', weights: WEIGHTS },
    { name: 'bulk', listen: bulk, host: 'sink', weights: WEIGHTS },
    { name: 'probe', listen: probe, host: 'probe', weights: [100, 0] },
  ];
}

export interface LaunchOptions {
  readonly workDir: string;
  readonly versions: Partial<Record<TargetKind, string>>;
  /** tcpshift only: extra `run` flags and environment. */
  readonly tcpshiftArgs?: readonly string[];
  readonly tcpshiftEnv?: NodeJS.ProcessEnv;
  readonly tcpshiftNodeArgs?: readonly string[];
  readonly watch?: boolean;
  readonly interval?: string;
}

let launches = 0;

/** Starts one target on fresh ports; resolves once its echo port answers. */
export async function launch(kind: TargetKind, u: Upstreams, o: LaunchOptions): Promise<Target> {
  if (kind === 'direct') {
    return { kind, echoPort: u.echo[0], bulkPort: u.sink[0], pids: () => [], stop: async () => undefined };
  }
  const dir = join(o.workDir, `${kind}-${++launches}`);
  mkdirSync(dir, { recursive: true });
  const [echoPort, bulkPort, probePort, adminPort] = (await freePorts(4)) as [number, number, number, number];
  if (kind === 'tcpshift' || kind === 'tcpshift-js') {
    const repo = new Repo(join(dir, 'repo'));
    repo.commit(benchManifests(services(u), baseRoutes(echoPort, bulkPort, probePort)), 'bench: 80/20');
    const t = await startTcpshift({
      repo: repo.dir, stateDir: join(dir, 'state'), logFile: join(dir, 'tcpshift.log'), readyPorts: [echoPort], adminPort,
      ...(o.watch !== undefined ? { watch: o.watch } : {}), ...(o.interval ? { interval: o.interval } : {}),
      ...(o.tcpshiftArgs ? { extraArgs: o.tcpshiftArgs } : {}),
      // tcpshift-js: the same process on its JavaScript data path (what runs when the addon is not built)
      ...(kind === 'tcpshift-js' ? { env: { ...process.env, ...o.tcpshiftEnv, TCPSHIFT_NATIVE: '0' } } : o.tcpshiftEnv ? { env: o.tcpshiftEnv } : {}),
      ...(o.tcpshiftNodeArgs ? { nodeArgs: o.tcpshiftNodeArgs } : {}),
    });
    return { kind, echoPort, bulkPort, pids: () => processTree(t.proc.pid), stop: () => t.stop(), tcpshift: t, repo, probePort };
  }
  const pools = [
    { listen: echoPort, upstreams: [{ port: u.echo[0], weight: WEIGHTS[0] }, { port: u.echo[1], weight: WEIGHTS[1] }] },
    { listen: bulkPort, upstreams: [{ port: u.sink[0], weight: WEIGHTS[0] }, { port: u.sink[1], weight: WEIGHTS[1] }] },
  ];
  const peer: Peer = kind === 'haproxy' ? startHaproxy(dir, pools, o.versions.haproxy ?? '?') : startNginx(dir, pools, o.versions.nginx ?? '?');
  try {
    let exited = false;
    void peer.proc.exited.then(() => (exited = true));
    await waitUntil(`${kind} to serve`, async () => {
      if (exited) throw new Error(`${kind} exited; see ${dir}`);
      return echoOnce(echoPort, 500);
    }, 15_000, 50);
  } catch (err) {
    await peer.stop();
    throw err;
  }
  return { kind, echoPort, bulkPort, pids: () => processTree(peer.proc.pid), stop: () => peer.stop() };
}
