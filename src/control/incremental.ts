/**
 * The build worker's state between commits: the parse cache, and the last good table with a
 * fingerprint per listener, so a build answers with only what changed. Pure (no I/O, no threads):
 * the worker thread wraps it, tests drive it directly.
 */
import { diff } from '../diff/diff';
import { ParseCache } from '../manifest/cache';
import type { ManifestFile, Resource } from '../manifest/types';
import { buildDesired } from '../model/desired';
import type { Listener, RoutingTable } from '../model/types';
import type { BuildRequest, TableDelta, WireFile, WorkerConfig, WorkerMessage } from './protocol';

interface Good {
  readonly gen: number;
  readonly table: RoutingTable;
  /** Listener key → listener. */
  readonly byKey: ReadonlyMap<string, Listener>;
  readonly keys: readonly string[];
  /** File → the resources array read from it (identity tells a cache hit). */
  readonly files: ReadonlyMap<string, readonly Resource[]>;
}

export class IncrementalBuild {
  readonly cache: ParseCache;
  private good: Good | null = null;
  private gen = 0;
  /** The previous request's files with bytes, by path: what a `held` file refers to. */
  private bytes = new Map<string, ManifestFile>();

  constructor(private readonly config: WorkerConfig) {
    this.cache = new ParseCache(config.cacheBytes);
  }

  /** Builds one snapshot; `onParse` hears each file parsed (cache misses only). */
  build(req: BuildRequest, onParse?: (file: string) => void): Extract<WorkerMessage, { type: 'built' }> {
    const before = this.cache.parses;
    const desired = buildDesired(req, this.config.compile, this.config.limits, { cache: this.cache, ...(onParse ? { onParse } : {}) });
    const parses = this.cache.parses - before;
    if (!desired.ok) return { type: 'built', id: req.id, ok: false, diagnostics: desired.diagnostics, parses };
    const delta = this.advance(desired.table, desired.resources);
    return { type: 'built', id: req.id, ok: true, diagnostics: desired.diagnostics, delta, parses };
  }

  /** Forgets the last good table: the next build answers in full. */
  reset(): void {
    this.good = null;
  }

  /** The request with the bytes of its `held` files filled in from the previous request's; null when one is not there. */
  withHeld(req: BuildRequest): BuildRequest | null {
    const files = this.withBytes(req.files);
    return files === null ? null : { ...req, files };
  }

  private withBytes(wire: readonly WireFile[]): ManifestFile[] | null {
    const files: ManifestFile[] = [];
    for (const { held, ...f } of wire) {
      if (!held) {
        files.push(f);
        continue;
      }
      const had = this.bytes.get(f.path);
      if (had?.content === undefined || had.id !== f.id) return null;
      files.push({ ...f, content: had.content });
    }
    this.bytes = new Map(files.filter((f) => f.content !== undefined && f.id !== undefined).map((f) => [f.path, f]));
    return files;
  }

  private advance(table: RoutingTable, resources: readonly Resource[]): TableDelta {
    const prev = this.good;
    const byKey = new Map<string, Listener>();
    const changed: Listener[] = [];
    const before: Listener[] = [];
    for (const l of table.listeners) {
      byKey.set(l.key, l);
      const old = prev?.byKey.get(l.key);
      if (old === undefined || !same(old, l)) {
        changed.push(l);
        if (old) before.push(old);
      }
    }
    const keys = table.listeners.map((l) => l.key);
    const removed = prev ? prev.keys.filter((k) => !byKey.has(k)) : [];
    for (const k of removed) before.push(prev?.byKey.get(k) as Listener);
    const sameOrder = prev !== null && prev.keys.length === keys.length && prev.keys.every((k, i) => k === keys[i]);
    const files = byFile(resources);
    const fileDelta: [string, readonly Resource[]][] = [];
    for (const [path, list] of files) if (!sameItems(prev?.files.get(path), list)) fileDelta.push([path, list.map(slim)]);
    const fileOrder = [...files.keys()];
    const prevOrder = prev ? [...prev.files.keys()] : null;
    const sameFiles = prevOrder !== null && prevOrder.length === fileOrder.length && prevOrder.every((p, i) => p === fileOrder[i]);
    this.gen += 1;
    const delta: TableDelta = {
      base: prev?.gen ?? null, gen: this.gen, changed, removed,
      ...(sameOrder ? {} : { order: keys }),
      files: fileDelta,
      ...(sameFiles ? {} : { fileOrder }),
      ...(table.rollouts ? { rollouts: table.rollouts } : {}),
      // Unchanged listeners add no change: diffing only the others is the whole diff, at O(change).
      changes: diff(prev ? { listeners: before } : null, { listeners: changed }),
    };
    this.good = { gen: this.gen, table, byKey, keys, files };
    return delta;
  }
}

/**
 * Resources grouped by file, in order. The parse cache hands out the same resource objects for an
 * unchanged file, so a file's list is rebuilt from them and compared element by element.
 */
function byFile(resources: readonly Resource[]): Map<string, readonly Resource[]> {
  const out = new Map<string, Resource[]>();
  for (const r of resources) {
    const list = out.get(r.file);
    if (list) list.push(r);
    else out.set(r.file, [r]);
  }
  return out;
}

/** Deep equality of plain (JSON-like) data. */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    n += 1;
    if (!Object.prototype.hasOwnProperty.call(y, k) || !same(x[k], y[k])) return false;
  }
  for (const _k in y) n -= 1;
  return n === 0;
}

function sameItems<T>(a: readonly T[] | undefined, b: readonly T[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** What the main thread keeps of a resource: everything but the field positions. */
function slim(r: Resource): Resource {
  return { ...r, positions: {} };
}
