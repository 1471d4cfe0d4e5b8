/**
 * The bytes of the persisted manifests, one file per blob id under `<stateDir>/blobs`: a save writes
 * only the blobs not there yet (a one-file commit writes one), so persisting costs the change, not the
 * repo; blobs no longer referenced are removed after the state file that dropped them is written.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncFolder, writeStateFile } from './state-file';

const DIR = 'blobs';
/** A git blob id: SHA-1 (40 hex) or SHA-256 (64 hex); nothing else names a file here. */
const ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** True when `id` can name a blob file. */
export function isBlobId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

/** Git's blob id of `content`, with the hash of `like` (SHA-256 for a 64-hex id, else SHA-1). */
export function gitBlobId(content: Uint8Array, like?: string): string {
  return createHash(like?.length === 64 ? 'sha256' : 'sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** The blob files of one state folder. */
export class BlobStore {
  readonly dir: string;
  private wrote = false;

  constructor(stateDir: string) {
    this.dir = join(stateDir, DIR);
  }

  /** The ids stored now (none when the folder does not exist). */
  async list(): Promise<Set<string>> {
    try {
      return new Set((await readdir(this.dir)).filter((n) => ID.test(n)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
      throw e;
    }
  }

  /** Writes `content` as blob `id` (temp file, fsync, rename; the folder is synced by `flush`). */
  async put(id: string, content: Uint8Array): Promise<void> {
    if (!ID.test(id)) throw new Error(`not a blob id: ${JSON.stringify(id.slice(0, 80))}`);
    await writeStateFile(this.dir, id, content, { syncDir: false });
    this.wrote = true;
  }

  /** Makes the blobs written so far survive a crash (one fsync of the folder). */
  async flush(): Promise<void> {
    if (this.wrote) await syncFolder(this.dir);
    this.wrote = false;
  }

  /** Blob `id`'s bytes; throws when it is missing or does not hash to its id (the state is then ignored). */
  async get(id: string): Promise<Uint8Array> {
    if (!ID.test(id)) throw new Error(`not a blob id: ${JSON.stringify(String(id).slice(0, 80))}`);
    const content = new Uint8Array(await readFile(join(this.dir, id)));
    if (gitBlobId(content, id) !== id) throw new Error(`${join(this.dir, id)} does not match its id`);
    return content;
  }

  /** Removes the stored blobs of `had` that are not in `keep`. */
  async prune(had: ReadonlySet<string>, keep: ReadonlySet<string>): Promise<void> {
    await Promise.all([...had].filter((id) => !keep.has(id)).map((id) => unlink(join(this.dir, id)).catch(() => undefined)));
  }
}
