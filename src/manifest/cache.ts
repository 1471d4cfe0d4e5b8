/**
 * The parse cache: one file's resources and diagnostics, keyed by its path and content id (the git
 * blob id, or a content hash), so a commit touching one file parses one file. Bounded by the bytes
 * of YAML it holds, least recently used first out. Pure (no I/O); entries are never mutated.
 */
import { createHash } from 'node:crypto';
import type { Diagnostic } from '../errors';
import type { ManifestFile, Resource } from './types';

/** What reading one file produced. */
export interface ParsedFile {
  readonly resources: readonly Resource[];
  readonly diagnostics: readonly Diagnostic[];
  /** YAML documents in the file (the per-commit document cap counts these). */
  readonly documents: number;
}

/** Default bound: 32 MiB of YAML (two revisions at the 16 MiB commit cap); parsed, that is ~10× in heap. */
export const DEFAULT_CACHE_BYTES = 32 << 20;

export class ParseCache {
  private readonly entries = new Map<string, { parsed: ParsedFile; bytes: number }>();
  private held = 0;
  /** Files parsed (misses) and served from the cache (hits), ever. */
  parses = 0;
  hits = 0;

  constructor(readonly maxBytes: number = DEFAULT_CACHE_BYTES) {}

  /** The parsed file for this path and content, refreshed as most recently used; undefined on a miss. */
  get(key: string): ParsedFile | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    this.hits += 1;
    return e.parsed;
  }

  /** Stores a parse of `bytes` of YAML, dropping the least recently used entries over the bound. */
  set(key: string, parsed: ParsedFile, bytes: number): void {
    this.parses += 1;
    if (bytes > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.held -= old.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { parsed, bytes });
    this.held += bytes;
    for (const [k, e] of this.entries) {
      if (this.held <= this.maxBytes) break;
      this.entries.delete(k);
      this.held -= e.bytes;
    }
  }

  /** Bytes of YAML whose parse is held. */
  get bytes(): number {
    return this.held;
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }
}

/** The cache key of a file with content: its path and blob id (computed when the source gave none). */
export function cacheKey(f: ManifestFile & { readonly content: Uint8Array }): string {
  return `${f.path}\0${f.id ?? blobId(f.content)}`;
}

/** Git's blob id of `content` (SHA-1 of `blob <size>\0` + content): a folder or a restored state keys the cache as git does. */
export function blobId(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}
