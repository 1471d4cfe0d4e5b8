/** The admin server's share of the process's resources: its connection cap, its timeouts, and a log rate limit. */
import { readFileSync } from 'node:fs';

/** A client must have sent its request headers within this, else 408. */
export const HEADERS_TIMEOUT_MS = 5000;
/** A client must have sent its whole request (headers and body) within this, else 408. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** An idle keep-alive admin connection is closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5000;
/** At most this many admin connections at once, whatever the descriptor limit. */
export const MAX_ADMIN_CONNECTIONS = 64;

/** The soft limit of open files of this process (`ulimit -n`), or null when it cannot be read (not Linux). */
export function openFileLimit(limitsText?: string): number | null {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null;
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (!m?.[1]) return null;
  return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
}

/**
 * The admin connection cap: 64, or an eighth of the descriptor limit when that is less (at least 4),
 * so a flood of admin connections never takes the descriptors the proxy needs (2 per connection).
 */
export function adminConnectionCap(fdLimit: number | null): number {
  if (fdLimit === null) return MAX_ADMIN_CONNECTIONS;
  return Math.max(4, Math.min(MAX_ADMIN_CONNECTIONS, Math.floor(fdLimit / 8)));
}

/** Calls `fn` at most once per `intervalMs`, passing how many calls were dropped since the last one. */
export function oncePer(intervalMs: number, fn: (suppressed: number) => void): () => void {
  let last = -Infinity;
  let suppressed = 0;
  return () => {
    const now = performance.now();
    if (now - last < intervalMs) {
      suppressed++;
      return;
    }
    last = now;
    fn(suppressed);
    suppressed = 0;
  };
}
