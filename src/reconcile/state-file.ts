/** Small JSON files under --state-dir, written atomically: temp file, fsync, rename, fsync of the folder. */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Replaces `<stateDir>/<name>` with `body` so a crash leaves either the old or the new file; throws on
 * I/O failure. `syncDir: false` leaves the folder's fsync to the caller (one for many files, `syncFolder`).
 */
export async function writeStateFile(stateDir: string, name: string, body: string | Uint8Array, opts: { syncDir?: boolean } = {}): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  if (opts.syncDir !== false) await syncFolder(stateDir);
}

/** fsync of a folder: the renames into it survive a crash. */
export async function syncFolder(stateDir: string): Promise<void> {
  const dir = await open(stateDir, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The text of `<stateDir>/<name>`, or null when it does not exist; throws on other I/O errors. */
export async function readStateFile(stateDir: string, name: string): Promise<string | null> {
  try {
    return await readFile(join(stateDir, name), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
