/** The composition root: source + reconciler + proxy + admin server, started and stopped as one. */
import type { Logger } from 'pino';
import { startAdmin } from './admin/server';
import { createMetrics } from './admin/metrics';
import { WorkerBuilder } from './control/builder';
import type { ReadLimits } from './manifest/types';
import type { CompileOptions } from './model/types';
import { createDataPlane, WorkerPool, type DataPlane } from './proxy/workers';
import { Reconciler } from './reconcile/reconciler';
import { DirSource } from './source/dir';
import { GitSource } from './source/git';
import type { Source } from './source/types';
import type { VerifyOptions } from './source/verify';

export interface AppConfig {
  /** Git URL or local path; exactly one of repo and dir. */
  readonly repo?: string;
  readonly dir?: string;
  readonly branch: string;
  readonly path: string;
  readonly intervalMs: number;
  readonly stateDir: string;
  readonly admin: { readonly host: string; readonly port: number; readonly token?: string; readonly allowedHosts?: readonly string[] };
  /** A git process silent this long is killed (default 60 s; any git call after 10 times as long). */
  readonly gitTimeoutMs?: number;
  readonly compile: CompileOptions;
  readonly limits: ReadLimits;
  readonly maxConnections?: number;
  /** Threads moving bytes (`--workers`): 1 (default) serves on the main thread; more start a worker pool (src/proxy/workers/). */
  readonly workers?: number;
  /** This replica's name in status, metrics (`instance` label) and logs; default: the host name. */
  readonly instance?: string;
  /** Apply only commits git verifies against these keys; Git only. */
  readonly verify?: VerifyOptions;
  /** Watch the source for changes (local repos and folders); default true. */
  readonly watch?: boolean;
  /** Serve this commit (full or abbreviated id) instead of the branch head; Git only. */
  readonly revision?: string;
  /** Enables POST /webhook with this shared secret. */
  readonly webhookSecret?: string;
  /** Caps of the build worker: heap (MiB) and time per build (ms); defaults in src/control/builder.ts. */
  readonly build?: { readonly heapMb?: number; readonly timeoutMs?: number };
}

/** A running instance. */
export interface App {
  readonly adminPort: number;
  /** The data plane: a TcpProxy, or a WorkerPool with `workers` > 1. */
  readonly proxy: DataPlane;
  readonly reconciler: Reconciler;
  readonly source: Source;
  /** Who builds tables (the worker thread). */
  readonly builder: WorkerBuilder;
  /** Stops reconciling and the admin server, then drains the proxy for up to `drainMs`. */
  stop(drainMs?: number): Promise<void>;
}

/** Builds the source the config names; throws when neither or both of repo and dir are given. */
export function createSource(config: Pick<AppConfig, 'repo' | 'dir' | 'branch' | 'path' | 'stateDir' | 'limits' | 'gitTimeoutMs' | 'verify'>, log: Logger): Source {
  if (!!config.repo === !!config.dir) throw new Error('give exactly one of --repo and --dir');
  if (config.dir && config.verify) throw new Error('--verify-signatures needs --repo: a folder has no commits to verify');
  if (config.dir) return new DirSource({ dir: config.dir, limits: config.limits });
  return new GitSource({ repo: config.repo as string, branch: config.branch, path: config.path, stateDir: config.stateDir, limits: config.limits, logger: log,
    ...(config.gitTimeoutMs ? { timeoutMs: config.gitTimeoutMs } : {}), ...(config.verify ? { verify: config.verify } : {}) });
}

/** Starts everything; the first reconcile runs at once (after the persisted revision, if any, is serving). */
export async function startApp(config: AppConfig, log: Logger): Promise<App> {
  const source = createSource(config, log.child({ component: 'source' }));
  // Parse, validate, compile and diff run on a worker thread: the serving thread only assembles what changed.
  const builder = new WorkerBuilder({ compile: config.compile, limits: config.limits, log: log.child({ component: 'builder' }), ...config.build });
  builder.start();
  // The TcpProxy (or each worker's) makes its own child({ component: 'proxy' }).
  const proxy = createDataPlane({ logger: log, ...(config.workers !== undefined ? { workers: config.workers } : {}), ...(config.maxConnections ? { maxConnections: config.maxConnections } : {}) });
  const reconciler = new Reconciler(
    config.watch === false ? withoutWatch(source) : source,
    proxy,
    log.child({ component: 'reconciler' }),
    {
      compile: config.compile, limits: config.limits, stateDir: config.stateDir, intervalMs: config.intervalMs, build: builder.build,
      ...(config.revision ? { revision: config.revision } : {}),
    },
  );
  const metrics = createMetrics(proxy, reconciler, true, config.instance);
  const admin = await startAdmin(
    { ...config.admin, ...(config.instance !== undefined ? { instance: config.instance } : {}), ...(config.webhookSecret ? { webhook: { secret: config.webhookSecret, branch: config.branch } } : {}) },
    { reconciler, proxy, metrics, log: log.child({ component: 'admin' }) },
  ).catch(async (err: unknown) => {
    await builder.stop();
    // Worker threads would outlive the failed start (a TcpProxy holds nothing yet).
    if (proxy instanceof WorkerPool) await proxy.close(0);
    throw err;
  });
  await reconciler.restore();
  reconciler.start();
  return {
    adminPort: admin.port,
    proxy,
    reconciler,
    source,
    builder,
    async stop(drainMs = 30_000) {
      // Git in flight is killed, not waited for (at most ~2 s); time that took comes off the drain,
      // so the whole stop stays within drainMs (+ under a second).
      const started = Date.now();
      const reconciling = reconciler.stop();
      await source.close?.();
      await reconciling;
      await builder.stop();
      await admin.close();
      const spent = Date.now() - started;
      await proxy.close(spent < 1000 ? drainMs : Math.max(0, drainMs - spent));
    },
  };
}

function withoutWatch(source: Source): Source {
  const pin = source.resolveCommit?.bind(source);
  const close = source.close?.bind(source);
  return {
    resolve: () => source.resolve(), read: (r) => source.read(r), describe: () => source.describe(),
    ...(pin ? { resolveCommit: pin } : {}), ...(close ? { close } : {}),
  };
}
