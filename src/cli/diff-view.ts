/** What `tcpshift diff` prints: the report of two desired states, for people and for machines. Pure. */
import { renderChanges, summarizeChanges } from '../diff/render';
import { withPlans } from '../diff/rollout-plan';
import type { RoutingTable } from '../model/types';
import type { Change, ChangeSummary } from '../diff/types';
import { formatDiagnostic, type Diagnostic } from '../errors';

/** One side of the comparison: a folder, or a revision of a repository. */
export interface DiffSide {
  /** As the user typed it: a folder, or a revision name such as `origin/main`. */
  readonly ref: string;
  /** The commit SHA it resolved to; null for a folder. */
  readonly revision: string | null;
}

/** The outcome of a diff: the changes, or every error that made one side invalid. */
export type DiffReport =
  | { readonly ok: true; readonly base: DiffSide; readonly head: DiffSide; readonly changes: readonly Change[]; readonly desired?: RoutingTable }
  | { readonly ok: false; readonly base: DiffSide; readonly head: DiffSide; readonly invalid: 'base' | 'head'; readonly diagnostics: readonly Diagnostic[] };

/** The `-o json|yaml` document: one shape whatever happened (`error` null and `diagnostics` [] when the diff ran). */
export interface DiffDocument {
  readonly base: DiffSide;
  readonly head: DiffSide;
  readonly changed: boolean;
  readonly summary: ChangeSummary;
  readonly changes: readonly Change[];
  readonly lines: readonly string[];
  readonly error: string | null;
  readonly diagnostics: readonly Diagnostic[];
}

/** The document of a report, or of a failure before anything could be compared (`error` = why). */
export function diffJson(r: DiffReport | { readonly base: DiffSide; readonly head: DiffSide; readonly error: string }): DiffDocument {
  if ('error' in r) return { base: r.base, head: r.head, changed: false, summary: summarizeChanges([]), changes: [], lines: [], error: r.error, diagnostics: [] };
  if (!r.ok) {
    return {
      base: r.base, head: r.head, changed: false, summary: summarizeChanges([]), changes: [], lines: [],
      error: `${r.invalid} ${r[r.invalid].ref} is invalid`, diagnostics: r.diagnostics.filter((d) => d.severity === 'error'),
    };
  }
  return {
    base: r.base, head: r.head, changed: r.changes.length > 0, summary: summarizeChanges(r.changes), changes: r.changes,
    lines: changeLines(r), error: null, diagnostics: [],
  };
}

/** The human lines: a `---`/`+++` header naming both sides, one line per change grouped by listener, and a count. */
export function renderDiff(r: DiffReport): string[] {
  const lines = [`--- ${sideLabel(r.base)}`, `+++ ${sideLabel(r.head)}`];
  if (!r.ok) {
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    lines.push(`${r.invalid} ${r[r.invalid].ref} is invalid (${errors.length} error(s)); nothing can be compared:`);
    for (const d of errors) lines.push(`  ${formatDiagnostic(d)}`);
    return lines;
  }
  if (r.changes.length === 0) return [...lines, 'no changes'];
  return [...lines, ...changeLines(r), summaryLine(summarizeChanges(r.changes))];
}

/** The change lines, each governed weight line followed by its rollout plan. */
function changeLines(r: Extract<DiffReport, { ok: true }>): string[] {
  const lines = renderChanges(r.changes);
  return r.desired ? withPlans(lines, r.changes, r.desired) : lines;
}

/** `origin/main (1a2b3c4d5e6f)`, or the folder name. */
export function sideLabel(s: DiffSide): string {
  return s.revision === null ? s.ref : `${s.ref} (${s.revision.slice(0, 12)})`;
}

/** `2 changes: 1 listener added, 1 weights changed`. */
export function summaryLine(s: ChangeSummary): string {
  const parts: [number, string][] = [
    [s.listenersAdded, 'listener added'], [s.listenersRemoved, 'listener removed'], [s.routesChanged, 'route changed'],
    [s.weightsChanged, 'weights changed'], [s.endpointsChanged, 'endpoints changed'], [s.policyChanged, 'policy changed'],
  ];
  const total = parts.reduce((n, [k]) => n + k, 0);
  const named = parts.filter(([k]) => k > 0).map(([k, what]) => `${k} ${what}`);
  return `${total} change${total === 1 ? '' : 's'}: ${named.join(', ')}`;
}
