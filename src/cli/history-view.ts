/** Renders the applied-revision history (`tcpshift history`) for people. Pure. */
import type { HistoryEntry } from '../reconcile/history';

const short = (rev: string) => (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(rev) ? rev.slice(0, 12) : rev);

/** Newest first: one line per revision (revision, applied at, author, subject), then its changes indented. */
export function renderHistory(entries: readonly HistoryEntry[]): string[] {
  if (entries.length === 0) return ['no revision applied since tcpshift started'];
  const lines: string[] = [];
  for (const e of entries) {
    const who = e.author ? `  ${e.author}` : '';
    const what = e.subject ? `  ${e.subject}` : '';
    lines.push(`${short(e.revision)}  ${e.appliedAt}${who}${what}`);
    if (e.signer) lines.push(`    signed by ${e.signer}`);
    if (e.changes.length === 0) lines.push('    (no routing changes)');
    for (const c of e.changes) lines.push(`    ${c}`);
  }
  return lines;
}
