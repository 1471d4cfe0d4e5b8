/** One `tcpshift run` per `--state-dir`: a lock file holding the owner's pid; a dead owner's lock is taken over. */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A held lock; `release()` removes the file if it is still ours. */
export interface StateLock {
  readonly file: string;
  release(): void;
}

/** Takes `<stateDir>/tcpshift.lock`; returns the lock, or the one line saying who holds it. */
export function acquireStateLock(stateDir: string, pid = process.pid): StateLock | { readonly problem: string } {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, 'tcpshift.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${pid}\n`, { flag: 'wx' });
      return { file, release: () => releaseIfOurs(file, pid) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(file);
    if (owner !== null && owner !== pid && alive(owner)) {
      return { problem: `--state-dir ${stateDir} is in use by tcpshift pid ${owner} (another tcpshift run?): stop it, or give each instance its own --state-dir` };
    }
    // A stale lock (its process is gone) or an unreadable one: take it over.
    try {
      unlinkSync(file);
    } catch {
      // another starter removed it first; try again
    }
  }
  return { problem: `--state-dir ${stateDir}: could not take ${file}; remove it if no tcpshift is running` };
}

function readOwner(file: string): number | null {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** True while process `pid` exists (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfOurs(file: string, pid: number): void {
  if (readOwner(file) !== pid) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
