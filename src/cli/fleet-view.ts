/** What `tcpshift fleet` makes of several instances' `/status`: one row each, a summary, whether they agree. Pure. */

/** The part of GET /status the fleet view reads (older instances may lack `instance`, `rollouts`). */
export interface FleetStatus {
  readonly instance?: string | null;
  readonly ready: boolean;
  readonly reason: string;
  readonly lastAppliedRevision: string | null;
  readonly lastAppliedAt: string | null;
  readonly rollouts?: readonly { readonly target?: string; readonly phase?: string; readonly step?: number; readonly steps?: number }[];
}

/** One instance as read: its status, or why it could not be read. */
export type FleetMember =
  | { readonly admin: string; readonly status: FleetStatus }
  | { readonly admin: string; readonly error: string };

/** The fleet at one moment. */
export interface FleetView {
  /** True when every instance answered and all serve one revision. */
  readonly agree: boolean;
  /** The revision most instances serve (ties: the most recently applied), null when none serves anything. */
  readonly revision: string | null;
  /** How many serve `revision`, out of how many instances. */
  readonly serving: number;
  readonly total: number;
  /** When the disagreement began, as far as the instances tell (the latest apply among them, ms); null when they agree. */
  readonly disagreeSince: number | null;
  readonly summary: string;
}

const short = (rev: string | null) => (rev === null ? '-' : /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(rev) ? rev.slice(0, 7) : rev);

/** The rollout column: `default/tcp-echo Progressing 2/4` for each rollout not finished, `-` when none. */
function rolloutCell(s: FleetStatus): string {
  const live = (s.rollouts ?? []).filter((r) => r.phase !== undefined && !['Succeeded', 'Aborted', 'Failed'].includes(r.phase));
  if (live.length === 0) return '-';
  return live.map((r) => `${r.target ?? '?'} ${r.phase ?? ''} ${r.step ?? '?'}/${r.steps ?? '?'}`.replace(/\s+/g, ' ')).join('; ');
}

/** The table rows (header first): instance, admin address, serving revision, Ready, reason, rollout step. */
export function fleetRows(members: readonly FleetMember[]): string[][] {
  const rows = [['INSTANCE', 'ADMIN', 'SERVING', 'READY', 'REASON', 'ROLLOUT']];
  for (const m of members) {
    if ('error' in m) rows.push(['?', m.admin, '-', 'Unknown', 'Unreachable', m.error]);
    else {
      const s = m.status;
      rows.push([s.instance ?? '-', m.admin, short(s.lastAppliedRevision), s.ready ? 'True' : 'False', s.reason, rolloutCell(s)]);
    }
  }
  return rows;
}

/** Rows as aligned text lines (the last column is not padded). */
export function alignRows(rows: readonly string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/** The fleet's agreement and its one-line summary, e.g. `3/3 serving 4d02f5b` or `2/3 serving 4d02f5b; 1 unreachable`. */
export function fleetView(members: readonly FleetMember[]): FleetView {
  const total = members.length;
  const up = members.flatMap((m) => ('status' in m ? [m.status] : []));
  const groups = new Map<string | null, { n: number; latest: number }>();
  for (const s of up) {
    const g = groups.get(s.lastAppliedRevision) ?? { n: 0, latest: 0 };
    g.n++;
    g.latest = Math.max(g.latest, Date.parse(s.lastAppliedAt ?? '') || 0);
    groups.set(s.lastAppliedRevision, g);
  }
  const ranked = [...groups.entries()].sort((a, b) => b[1].n - a[1].n || b[1].latest - a[1].latest);
  const [revision = null, top = { n: 0, latest: 0 }] = ranked[0] ?? [];
  const agree = up.length === total && groups.size === 1 && revision !== null;
  const parts = [`${top.n}/${total} serving ${short(revision)}`];
  for (const [rev, g] of ranked.slice(1)) parts.push(`${g.n} serving ${rev === null ? 'nothing' : short(rev)}`);
  if (up.length < total) parts.push(`${total - up.length} unreachable`);
  const notReady = up.filter((s) => !s.ready).length;
  if (notReady > 0) parts.push(`${notReady} not Ready`);
  const latest = Math.max(0, ...up.map((s) => Date.parse(s.lastAppliedAt ?? '') || 0));
  return { agree, revision, serving: top.n, total, disagreeSince: agree ? null : latest || null, summary: parts.join('; ') };
}
