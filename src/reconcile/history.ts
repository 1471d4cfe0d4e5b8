/** The last applied revisions, newest first, with who committed them and what applying them changed. */

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
  /** What started the run: `watch`, `poll`, `webhook`, `manual`, `sighup`, `resume`, … */
  readonly trigger: string;
}

/** How many entries are kept. */
export const HISTORY_LIMIT = 20;

/** A bounded, newest-first list of applied revisions (in memory: a restart begins a new history). */
export class History {
  private readonly entries: HistoryEntry[] = [];

  constructor(private readonly limit = HISTORY_LIMIT) {}

  /** Records an applied revision; the oldest entry beyond the limit is dropped. */
  add(entry: HistoryEntry): void {
    this.entries.unshift(entry);
    if (this.entries.length > this.limit) this.entries.length = this.limit;
  }

  /** Returns a copy, newest first. */
  list(): HistoryEntry[] {
    return [...this.entries];
  }
}
