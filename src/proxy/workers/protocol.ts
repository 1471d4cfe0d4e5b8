/** Messages between the worker pool (src/proxy/workers/pool.ts) and each data-plane worker (worker.ts). */
import type { Listener } from '../../model/types';
import type { CountersSnapshot } from '../counters';
import type { BoundAddress } from '../transport';
import type { ListenerActivity } from './activity';

/** What a worker starts with (its workerData). */
export interface WorkerConfig {
  readonly index: number;
  /** How many workers the pool runs (for placement.ts). */
  readonly workers: number;
  readonly mem: Uint32Array;
  readonly level: string;
  readonly maxConnections?: number;
  /** How often the worker sends its counters unasked (ms). */
  readonly statsMs: number;
  /** The .ts entry, when running from sources (see spawn.ts). */
  readonly entry?: string;
}

/**
 * The next table as a delta against the one the worker serves: the listener keys in order, the
 * listeners that are new or changed (every other key keeps the worker's own object, so its runtime
 * and picker carry over), their route slots, and the bound port of each port-0 listener.
 */
export interface TableDelta {
  readonly order: readonly string[];
  readonly changed: readonly Listener[];
  readonly slots: readonly (readonly [string, number])[];
  readonly ports: readonly (readonly [string, number])[];
  /** How many workers bind each socket new in this table (src/proxy/workers/placement.ts). */
  readonly copies: number;
}

/** Pool → worker. */
export type ToWorker =
  | { readonly type: 'prepare'; readonly gen: number; readonly delta: TableDelta }
  | { readonly type: 'commit'; readonly gen: number }
  | { readonly type: 'abort'; readonly gen: number }
  | { readonly type: 'stats' }
  | { readonly type: 'close'; readonly drainMs: number };

/** What a worker counts, as it sends it. */
export interface WorkerStats {
  readonly counters: CountersSnapshot;
  readonly activity: readonly ListenerActivity[];
}

/** Worker → pool. */
export type FromWorker =
  | { readonly type: 'ready'; readonly dataPath: 'native' | 'js' }
  | { readonly type: 'prepared'; readonly gen: number; readonly bound: readonly BoundAddress[] }
  | { readonly type: 'failed'; readonly gen: number; readonly message: string; readonly address?: string; readonly port?: number }
  | { readonly type: 'aborted'; readonly gen: number }
  | ({ readonly type: 'stats' } & WorkerStats)
  | ({ readonly type: 'closed' } & WorkerStats)
  | { readonly type: 'log'; readonly line: string };
