/** The data plane an instance serves with: one TcpProxy on the main thread, or a pool of worker threads (`--workers N`). */
import type { Logger } from 'pino';
import type { RoutingTable } from '../../model/types';
import type { CountersSnapshot } from '../counters';
import { nativeBinding, nativeLoadError } from '../native/binding';
import { TcpProxy } from '../proxy';
import type { ProxySnapshot } from '../snapshot';
import type { BoundAddress } from '../transport';
import { WorkerPool } from './pool';

export { WorkerPool } from './pool';

/** What the reconciler, the admin server and the CLI use of a data plane, whatever runs it. */
export interface DataPlane {
  readonly dataPath: 'native' | 'js';
  readonly table: RoutingTable;
  swap(next: RoutingTable): Promise<void>;
  close(drainTimeoutMs?: number): Promise<void>;
  listeners(): BoundAddress[];
  snapshot(): ProxySnapshot;
  counters(): CountersSnapshot;
}

export interface DataPlaneOptions {
  readonly logger: Logger;
  /** Threads moving bytes (default 1: the main thread). */
  readonly workers?: number;
  readonly maxConnections?: number;
}

/**
 * One worker: a TcpProxy on the main thread, exactly as without workers. More: a WorkerPool, when
 * the native data path is there (Node 20's net has no SO_REUSEPORT, so the JavaScript path stays on
 * one thread — said in a warning).
 */
export function createDataPlane(opts: DataPlaneOptions): DataPlane {
  const workers = opts.workers ?? 1;
  const max = opts.maxConnections !== undefined ? { maxConnections: opts.maxConnections } : {};
  if (workers <= 1) return new TcpProxy({ logger: opts.logger, ...max });
  if (nativeBinding() === null) {
    opts.logger.child({ component: 'workers' }).warn({ workers, why: nativeLoadError() }, 'workers need the native data path: serving on one thread with the JavaScript one');
    return new TcpProxy({ logger: opts.logger, ...max });
  }
  return new WorkerPool({ logger: opts.logger, workers, ...max });
}
