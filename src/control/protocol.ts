/** The messages between the main thread and the build worker (structured-cloned; plain data only). */
import type { Change } from '../diff/types';
import type { Diagnostic } from '../errors';
import type { ManifestFile, ReadLimits, Resource } from '../manifest/types';
import type { CompileOptions, Listener, RoutingTable } from '../model/types';

/** Given once, when the worker starts. */
export interface WorkerConfig {
  readonly compile: CompileOptions;
  readonly limits: ReadLimits;
  /** Bound of the parse cache, bytes of YAML. */
  readonly cacheBytes: number;
}

/** A file as sent: `held` = the worker has these bytes (same path and id) from the previous request, so they are not sent again. */
export type WireFile = ManifestFile & { readonly held?: true };

/** Main → worker: build this snapshot. */
export interface BuildRequest {
  readonly id: number;
  readonly files: readonly WireFile[];
  readonly missingPath?: string;
  readonly overCap?: boolean;
}

/** What changed since the worker's previous good build (`base`), or everything when `base` is null. */
export interface TableDelta {
  /** Generation of the build this delta applies to; null = a full table follows. */
  readonly base: number | null;
  /** This build's generation. */
  readonly gen: number;
  /** Listeners new or different from `base`'s. */
  readonly changed: readonly Listener[];
  /** Keys of `base`'s listeners that are gone. */
  readonly removed: readonly string[];
  /** Every listener key in table order; absent when the keys and their order are `base`'s. */
  readonly order?: readonly string[];
  /** Resources of the files that are new or different (positions dropped: the worker keeps them for diagnostics). */
  readonly files: readonly (readonly [string, readonly Resource[]])[];
  /** Every file holding resources, in order; absent when that list is `base`'s. */
  readonly fileOrder?: readonly string[];
  /** The commit's rollout policies, whole (small; absent when there are none). */
  readonly rollouts?: RoutingTable['rollouts'];
  /** diff(base table, this table); with `base` null, against no table. */
  readonly changes: readonly Change[];
}

/** Worker → main. */
export type WorkerMessage =
  | { readonly type: 'parsing'; readonly id: number; readonly file: string }
  | { readonly type: 'built'; readonly id: number; readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly parses: number }
  /** A `held` file the worker does not have (never expected): the request is sent again whole. */
  | { readonly type: 'resend'; readonly id: number }
  | { readonly type: 'built'; readonly id: number; readonly ok: true; readonly diagnostics: readonly Diagnostic[]; readonly delta: TableDelta; readonly parses: number };
