/** The last applied revisions, newest first, with who committed them and what applying them changed. Pure. */

/** One applied revision. */
export interface HistoryEntry {
  readonly revision: string;
  /** When tcpshift applied it (ISO 8601, UTC). */
  readonly appliedAt: string;
  /** Commit author, author date (ISO 8601 with offset) and subject; null for a folder source. */
  readonly author: string | null;
  readonly date: string | null;
  readonly subject: string | null;
  /** The rendered changes applying it made (empty when the routing table did not change). */
  readonly changes: readonly string[];
  /** What started the run: `watch`, `poll`, `webhook`, `manual`, `sighup`, `resume`, `restore`, … */
  readonly trigger: string;
  /** Who signed the commit, as git verified it (only with --verify-signatures). */
  readonly signer?: string;
}

/** How many entries are kept (and persisted with the applied state). */
export const HISTORY_LIMIT = 20;

/** A new list with `entry` first; the oldest entries beyond `limit` are dropped. */
export function addHistory(list: readonly HistoryEntry[], entry: HistoryEntry, limit = HISTORY_LIMIT): readonly HistoryEntry[] {
  return [entry, ...list].slice(0, limit);
}

/** The entries of `v` that are well-formed history entries (for reading a persisted list), at most `limit`. */
export function historyOf(v: unknown, limit = HISTORY_LIMIT): HistoryEntry[] {
  if (!Array.isArray(v)) return [];
  const str = (x: unknown) => typeof x === 'string';
  const strOrNull = (x: unknown) => x === null || typeof x === 'string';
  return v.filter((e): e is HistoryEntry => {
    const o = e as Partial<Record<keyof HistoryEntry, unknown>> | null;
    return o !== null && typeof o === 'object' && str(o.revision) && str(o.appliedAt) && str(o.trigger)
      && strOrNull(o.author) && strOrNull(o.date) && strOrNull(o.subject) && Array.isArray(o.changes) && o.changes.every(str);
  }).slice(0, limit).map((e) => ({
    revision: e.revision, appliedAt: e.appliedAt, author: e.author, date: e.date, subject: e.subject, changes: [...e.changes], trigger: e.trigger,
    ...(typeof e.signer === 'string' ? { signer: e.signer } : {}),
  }));
}
