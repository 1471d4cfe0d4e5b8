/** The folder source (`--dir`, for development): files read from disk, revision = hash of what was read. */
import { createHash } from 'node:crypto';
import { constants, type Dirent } from 'node:fs';
import { open, readdir, readlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import { FetchError } from '../errors';
import { blobId } from '../manifest/cache';
import { DEFAULT_LIMITS, type ManifestFile, type ReadLimits } from '../manifest/types';
import { isManifestName } from './paths';
import { redact } from './redact';
import type { Snapshot, Source, StopWatch } from './types';
import { watchPaths } from './watch';

/** The folder to read and how to read it. */
export interface DirSourceOptions {
  readonly dir: string;
  readonly limits?: ReadLimits;
  readonly logger?: Logger;
  /** Quiet time after the last file event before onChange (default 100 ms). */
  readonly debounceMs?: number;
}

/** A plain folder read recursively: `.git` skipped, symlinks reported and never followed. */
export class DirSource implements Source {
  private readonly dir: string;
  private readonly limits: ReadLimits;
  private readonly logger: Logger | undefined;
  private readonly debounceMs: number;
  private last: Snapshot | undefined;

  constructor(opts: DirSourceOptions) {
    this.dir = resolve(opts.dir);
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.logger = opts.logger;
    this.debounceMs = opts.debounceMs ?? 100;
  }

  /** e.g. `dir /srv/manifests`. */
  describe(): string {
    return `dir ${redact(this.dir)}`;
  }

  /** Reads the folder and returns `dir:<sha256>` of its manifest entries; throws FetchError when it cannot be read. */
  async resolve(): Promise<string> {
    this.last = await this.scan();
    return this.last.revision;
  }

  /** The snapshot `resolve()` hashed when `revision` matches it; otherwise the folder as it is now (its own revision). */
  async read(revision: string): Promise<Snapshot> {
    if (this.last?.revision === revision) return this.last;
    this.last = await this.scan();
    return this.last;
  }

  /** Watches the folder (not `.git`) and calls onChange once per burst of file events. */
  watch(onChange: () => void): StopWatch {
    return watchPaths(
      [this.dir],
      {
        debounceMs: this.debounceMs,
        ignored: (p) => p.split(sep).includes('.git'),
        onError: (err) => this.logger?.warn({ source: this.describe(), err: String(err) }, 'watch error'),
      },
      onChange,
    );
  }

  private async scan(): Promise<Snapshot> {
    const files: ManifestFile[] = [];
    const targets = new Map<string, string>();
    try {
      await this.walk('', files, targets);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new FetchError(`cannot read ${this.describe()}: ${code}`);
    }
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const total = files.reduce((sum, f) => sum + (f.content?.length ?? 0), 0);
    const overCap = total > this.limits.maxTotalBytes;
    const kept = overCap ? files.map(({ content: _c, id: _i, ...f }) => f) : files;
    const hash = createHash('sha256');
    for (const f of files) {
      hash.update(`${f.path}\0${f.type}\0${f.size}\0${targets.get(f.path) ?? ''}\0`);
      if (f.content) hash.update(f.content);
      hash.update('\0');
    }
    return { revision: `dir:${hash.digest('hex')}`, files: kept, ...(overCap ? { overCap } : {}) };
  }

  /** Collects manifest entries under `rel` into `out`; symlink targets go to `targets` (hashed, never followed). */
  private async walk(rel: string, out: ManifestFile[], targets: Map<string, string>): Promise<void> {
    const entries: Dirent[] = await readdir(join(this.dir, rel), { withFileTypes: true });
    for (const e of entries) {
      if (e.name === '.git') continue;
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await this.walk(path, out, targets);
      else if (e.isSymbolicLink()) {
        const target = await readlink(join(this.dir, path)).catch(() => '');
        targets.set(path, target);
        out.push({ path, type: 'symlink', size: Buffer.byteLength(target) });
      } else if (e.isFile() && isManifestName(path)) out.push(await this.readFile(path));
    }
  }

  /** Opens without following a symlink swapped in since the listing; content only within the size cap. */
  private async readFile(path: string): Promise<ManifestFile> {
    const handle = await open(join(this.dir, path), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const { size } = await handle.stat();
      if (size > this.limits.maxFileBytes) return { path, type: 'file', size };
      const content = await handle.readFile();
      if (content.length > this.limits.maxFileBytes) return { path, type: 'file', size: content.length };
      return { path, type: 'file', size: content.length, content, id: blobId(content) };
    } finally {
      await handle.close();
    }
  }
}
