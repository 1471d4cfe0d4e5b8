/**
 * The report's sections for the control plane and scale (issue 15): reconcile storm, scale, CPU
 * per proxied connection, workers 1 vs 2 — each with its medians, ratios, target and met/missed.
 */
import type { ConnSample } from './measure';
import type { HostileResult } from './hostile';
import type { ScaleRow } from './scale';
import { fmt, median } from './stats';
import type { StormPhase, StormPhaseName, StormResults } from './storm';
import type { TargetKind } from './targets';
import type { WorkersResult } from './workers';

/** What these sections read from the results. */
export interface ControlResults {
  conn: Partial<Record<TargetKind, ConnSample[]>>;
  storm?: StormResults | null;
  scale?: ScaleRow[] | null;
  workers?: WorkersResult | null;
  hostile?: HostileResult | null;
}

/** One target row: what was measured, the goal and whether it was met. */
export interface ControlGoal { label: string; measured: string; goal: string; met: string }

const NAMES: Partial<Record<TargetKind, string>> = { tcpshift: 'tcpshift', 'tcpshift-js': 'tcpshift, JS path', haproxy: 'HAProxy', nginx: 'nginx stream' };
const name = (k: TargetKind) => NAMES[k] ?? k;
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);

function verdict(v: number, cmp: '>=' | '<=', bound: number): string {
  if (!Number.isFinite(v)) return 'not measured';
  return (cmp === '>=' ? v >= bound : v <= bound) ? 'met' : '**missed**';
}

function goal(label: string, v: number, cmp: '>=' | '<=', bound: number, unit: string, digits: number, detail = ''): ControlGoal {
  return { label, measured: `${fmt(v, digits)}${unit}${detail ? ` (${detail})` : ''}`, goal: `${cmp === '>=' ? '≥' : '≤'} ${bound}${unit}`, met: verdict(v, cmp, bound) };
}

function phases(s: StormResults, k: TargetKind, p: StormPhaseName): StormPhase[] {
  return s.rounds.filter((r) => r.kind === k).flatMap((r) => r.phases.filter((x) => x.phase === p));
}
function stormMed(s: StormResults, k: TargetKind, p: StormPhaseName, pick: (x: StormPhase) => number): number {
  return median(phases(s, k, p).map(pick));
}

/** The targets of these sections, for the report's targets table. */
export function controlGoals(r: ControlResults): ControlGoal[] {
  const out: ControlGoal[] = [];
  const s = r.storm;
  if (s && s.rounds.some((x) => x.kind === 'tcpshift')) {
    for (const [p, connBound] of [['one-file', 0.9], ['all-file', 0.8]] as const) {
      const cr = ratio(stormMed(s, 'tcpshift', p, (x) => x.rate), stormMed(s, 'tcpshift', 'idle', (x) => x.rate));
      const pr = ratio(stormMed(s, 'tcpshift', p, (x) => x.pingP99Us), stormMed(s, 'tcpshift', 'idle', (x) => x.pingP99Us));
      out.push(goal(`${p} commit storm (${s.routes} routes): new connections/s vs idle`, cr, '>=', connBound, '×', 2));
      out.push(goal(`${p} commit storm: p99 echo on an open connection vs idle`, pr, '<=', 2, '×', 2));
    }
  }
  for (const row of r.scale ?? []) {
    const f = row.routes === 5000 ? 1 : row.routes === 10_000 ? 2 : 0;
    if (f === 0) continue;
    const within = f === 2 ? ', within 2× of the 5,000 targets' : '';
    out.push(goal(`${fmt(row.routes)} routes: cold start${within}`, row.coldStartS, '<=', 5 * f, ' s', 2, row.note ?? ''));
    out.push(goal(`${fmt(row.routes)} routes: one-file commit → serving, median of ${row.commitMs.length}`, median(row.commitMs) / 1000, '<=', 0.3 * f, ' s', 3));
    out.push(goal(`${fmt(row.routes)} routes: RSS after the commits (peak ${fmt(row.peakRssMB)} MB)`, row.rssAfterMB, '<=', 400 * f, ' MB', 0));
  }
  const h = r.hostile;
  if (h) {
    const stall = h.pingMaxUs / 1000;
    out.push(h.unanswered > 0
      ? { label: `hostile ${fmt(h.bytes / 2 ** 20, 1)} MiB commit (${h.outcome}): longest wait of an open connection`, measured: `≥ ${fmt(hostileWaitFloorS(h), 1)} s (${fmt(h.unanswered)} lines never answered)`, goal: '≤ 50 ms', met: '**missed**' }
      : goal(`hostile ${fmt(h.bytes / 2 ** 20, 1)} MiB commit (${h.outcome}): longest wait of an open connection`, stall, '<=', 50, ' ms', 1));
  }
  const cpu = (k: TargetKind) => median((r.conn[k] ?? []).map((x) => x.cpuUsPerConn));
  const peers = (['haproxy', 'nginx'] as TargetKind[]).filter((k) => Number.isFinite(cpu(k)));
  if (Number.isFinite(cpu('tcpshift')) && peers.length > 0) {
    const best = peers.reduce((a, b) => (cpu(b) < cpu(a) ? b : a));
    out.push(goal(`proxy CPU per proxied connection vs the best peer (${name(best)}, ${fmt(cpu(best), 1)} µs)`, ratio(cpu('tcpshift'), cpu(best)), '<=', 0.85, '×', 2, `${fmt(cpu('tcpshift'), 1)} µs`));
  }
  return out;
}

/** Renders the storm, scale, CPU and workers sections that have results. */
export function renderControl(out: string[], r: ControlResults, rounds: number): void {
  if (r.storm) renderStorm(out, r.storm);
  if (r.scale && r.scale.length > 0) renderScale(out, r.scale);
  renderCpu(out, r, rounds);
  if (r.hostile) renderHostile(out, r.hostile);
  if (r.workers) renderWorkers(out, r.workers);
}

/**
 * When lines went unanswered, the first of them (due after the answered ones, 5 ms apart) waited at
 * least until the client gave up, 10 s after the window: a floor for the longest wait (s).
 */
function hostileWaitFloorS(h: HostileResult): number {
  return h.windowS + 10 - ((h.windowS / 0.005 - h.unanswered) * 0.005);
}

function renderHostile(out: string[], h: HostileResult): void {
  out.push('## Hostile commit', '');
  out.push(
    `tcpshift serving 100 routes; one commit adds ${h.files} files of just under 1 MiB each (the per-file cap), ${fmt(h.bytes / 2 ** 20, 1)} MiB in all (the commit cap is 16 MiB), of ${fmt(h.documents)} small \`kind: Service\` documents, then \`POST /reconcile\`. Meanwhile a client sends a 5-byte line every 5 ms on a connection opened before, through an untouched route, for ${fmt(h.windowS)} s (answers awaited 10 s more).`, '',
  );
  out.push('| outcome | reconcile (ms) | open connection p99 idle → during, answered lines (ms) | longest wait (ms) | lines unanswered | RSS before → peak (MB) | route serving after |', '|---|---:|---:|---:|---:|---:|---|');
  out.push(`| ${h.outcome} | ${fmt(h.durationMs)} | ${fmt(h.idleP99Us / 1000, 2)} → ${fmt(h.pingP99Us / 1000, 2)} | ${h.unanswered > 0 ? `≥ ${fmt(hostileWaitFloorS(h) * 1000)}` : fmt(h.pingMaxUs / 1000, 1)} | ${fmt(h.unanswered)} | ${fmt(h.rssBeforeMB)} → ${fmt(h.peakRssMB)} | ${h.servingAfter ? 'yes' : '**no**'} |`);
  out.push('', 'Target: rejected or applied, never an open connection stalled more than 50 ms, never an RSS above the bound the README states (compare the peak above with it).', '');
}

function renderStorm(out: string[], s: StormResults): void {
  const kinds = [...new Set(s.rounds.map((x) => x.kind))];
  const nRounds = Math.max(0, ...s.rounds.map((x) => x.round));
  out.push('## Reconcile storm', '');
  out.push(
    `${fmt(s.routes)} routes in ${s.files} files of 100, every route its own listener (one Gateway server and one VirtualService each). ` +
    `For ${fmt(s.seconds, 1)} s per phase, the load generator makes new connections (concurrency ${s.concurrency}) through an untouched route while a second client sends a 5-byte line every ${s.pingIntervalMs} ms, on schedule and without waiting for answers, on a connection opened before the phase through another untouched route, and times each answer from its line's sending (a stall of S seconds shows as answers up to S late). ` +
    `tcpshift: **one-file** — commits changing the weights of one file's 100 routes, back to back (commit, then \`POST /reconcile\`, whose answer comes when the run is done, then the next commit); **all-file** — the same with every file changed. ` +
    `HAProxy (\`-W\` master-worker, \`SIGUSR2\`: seamless reload) and nginx (\`SIGHUP\`, as \`nginx -s reload\`): **reload** — the same ${fmt(s.routes)} listeners reloaded every ${s.reloadEveryMs} ms, each time with every route's weights changed. ` +
    `Ratios are against each target's own idle phase in the same run; medians over ${nRounds} round(s).`, '',
  );
  out.push('| Target | phase | conn/s | × idle | echo p99 (ms) | × idle | echo max (ms) | failed conns | echo lines unanswered | changes applied / made | reconcile (ms, median) | target CPU (cores) | bench-side commit CPU (cores) |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const k of kinds) {
    const idleRate = stormMed(s, k, 'idle', (x) => x.rate);
    const idleP99 = stormMed(s, k, 'idle', (x) => x.pingP99Us);
    const names: StormPhaseName[] = ['idle', 'one-file', 'all-file', 'reload'];
    for (const p of names) {
      const ps = phases(s, k, p);
      if (ps.length === 0) continue;
      const rate = median(ps.map((x) => x.rate));
      const p99 = median(ps.map((x) => x.pingP99Us));
      const sum = (f: (x: StormPhase) => number) => ps.reduce((a, x) => a + f(x), 0);
      out.push(`| ${name(k)} | ${p} | ${fmt(rate)} | ${p === 'idle' ? '1' : fmt(ratio(rate, idleRate), 2)} | ${fmt(p99 / 1000, 2)} | ${p === 'idle' ? '1' : fmt(ratio(p99, idleP99), 2)} | ${fmt(median(ps.map((x) => x.pingMaxUs)) / 1000, 1)} | ${fmt(sum((x) => x.errors))} | ${fmt(sum((x) => x.pingErrors))} | ${p === 'idle' ? '–' : `${fmt(sum((x) => x.applied))} / ${fmt(sum((x) => x.changes))} (${fmt(sum((x) => x.changes) / (ps.length * s.seconds), 1)}/s)`} | ${fmt(median(ps.map((x) => x.reconcileMs)))} | ${fmt(median(ps.map((x) => x.cpuCores)), 2)} | ${p === 'idle' ? '–' : fmt(median(ps.map((x) => x.driverCores ?? NaN)), 2)} |`);
    }
  }
  out.push('', 'Targets: one-file storm conn/s ≥ 0.9× idle and p99 ≤ 2× idle; all-file storm conn/s ≥ 0.8× idle and p99 ≤ 2× idle (HAProxy reloading, measured for the issue: 0.77× and 1.9×).', '');
}

function renderScale(out: string[], rows: ScaleRow[]): void {
  out.push('## Scale', '');
  out.push(
    'The real `tcpshift run` on a repo of N routes (files of 100 routes, every route its own listener), watched. Cold start: process start until every listener accepts (the first, middle and last route answer, then a connect to every listener succeeds). One-file commit → serving: from `git commit` of a change to one file until the first new connection reaches the upstream it names. Reconcile: the run\'s own `durationMs` from the log (read, parse, compile, diff, swap). RSS of the process after start-up and after the commits, with the peak (VmHWM).', '',
  );
  out.push(`| | ${rows.map((r) => `${fmt(r.routes)} routes`).join(' | ')} |`, `|---|${rows.map(() => '---:').join('|')}|`);
  const line = (label: string, f: (r: ScaleRow) => string) => out.push(`| ${label} | ${rows.map(f).join(' | ')} |`);
  line('files', (r) => fmt(r.files));
  line('cold start (s)', (r) => fmt(r.coldStartS, 2));
  line('  start-up reconcile (ms)', (r) => fmt(r.coldReconcileMs));
  line('one-file commit → serving, median (ms)', (r) => `${fmt(median(r.commitMs))}${r.commitMs.length ? ` (${fmt(Math.min(...r.commitMs))}–${fmt(Math.max(...r.commitMs))}, n=${r.commitMs.length})` : ''}`);
  line('  its reconcile, median (ms)', (r) => fmt(median(r.reconcileMs)));
  line('RSS after start-up (MB)', (r) => fmt(r.rssAfterStartMB));
  line('RSS after the commits (MB)', (r) => fmt(r.rssAfterMB));
  line('  peak RSS (MB)', (r) => fmt(r.peakRssMB));
  const base = rows[0]!;
  if (rows.length > 1) {
    out.push('', `How each grows against ${fmt(base.routes)} routes: the factor, and the exponent k in cost ∝ routes^k (1 = linear):`, '');
    out.push(`| | ${rows.slice(1).map((r) => `${fmt(r.routes / base.routes, 0)}× the routes`).join(' | ')} |`, `|---|${rows.slice(1).map(() => '---:').join('|')}|`);
    const grow = (label: string, f: (r: ScaleRow) => number) => out.push(`| ${label} | ${rows.slice(1).map((r) => {
      const g = ratio(f(r), f(base));
      return `${fmt(g, 1)}× (k ${fmt(Math.log(g) / Math.log(r.routes / base.routes), 2)})`;
    }).join(' | ')} |`);
    grow('cold start', (r) => r.coldStartS);
    grow('one-file commit → serving', (r) => median(r.commitMs));
    grow('one-file reconcile', (r) => median(r.reconcileMs));
    grow('RSS after the commits', (r) => r.rssAfterMB);
  }
  const notes = rows.filter((r) => r.note);
  if (notes.length > 0) out.push('', ...notes.map((r) => `- ${fmt(r.routes)} routes: ${r.note}`));
  out.push('', 'Targets: 5,000 routes — cold start ≤ 5 s, one-file commit → serving ≤ 0.3 s median, RSS ≤ 400 MB; 10,000 routes within 2× of those.', '');
}

function renderCpu(out: string[], r: ControlResults, rounds: number): void {
  const kinds = (['tcpshift', 'tcpshift-js', 'haproxy', 'nginx'] as TargetKind[]).filter((k) => (r.conn[k] ?? []).length > 0);
  if (kinds.length === 0) return;
  const m = (k: TargetKind, f: (x: ConnSample) => number) => median((r.conn[k] ?? []).map(f));
  const peers = kinds.filter((k) => k === 'haproxy' || k === 'nginx');
  const best = peers.length ? peers.reduce((a, b) => (m(b, (x) => x.cpuUsPerConn) < m(a, (x) => x.cpuUsPerConn) ? b : a)) : null;
  out.push('## CPU per proxied connection', '');
  out.push(`The proxy's own CPU (utime + stime of its processes and threads, from /proc) over each new-connections/s run, divided by the connections it completed; median of ${rounds} round(s).${best ? ` Ratio against the best peer (${name(best)}).` : ''}`, '');
  out.push('| Variant | µs per connection | user | kernel | × best peer | conn/s |', '|---|---:|---:|---:|---:|---:|');
  for (const k of kinds) {
    const us = m(k, (x) => x.cpuUsPerConn);
    out.push(`| ${name(k)} | ${fmt(us, 1)} | ${fmt(m(k, (x) => x.userUsPerConn), 1)} | ${fmt(m(k, (x) => x.sysUsPerConn), 1)} | ${best ? fmt(ratio(us, m(best, (x) => x.cpuUsPerConn)), 2) : '–'} | ${fmt(m(k, (x) => x.rate))} |`);
  }
  out.push('', 'Target: tcpshift ≤ 0.85× the best peer\'s CPU per proxied connection.', '');
}

function renderWorkers(out: string[], w: WorkersResult): void {
  out.push('## Workers 1 vs 2', '');
  if (!w.available) {
    out.push(`${w.note}.`, '');
    return;
  }
  out.push('| `--workers` | conn/s | proxy CPU µs/conn | echo p99 (µs) | failed conns |', '|---:|---:|---:|---:|---:|');
  for (const row of w.rows) out.push(`| ${row.workers} | ${fmt(median(row.rate))} | ${fmt(median(row.cpuUsPerConn), 1)} | ${fmt(median(row.p99Us), 1)} | ${row.errors} |`);
  const [one, two] = [w.rows.find((x) => x.workers === 1), w.rows.find((x) => x.workers === 2)];
  if (one && two) out.push('', `2 workers ÷ 1: ${fmt(ratio(median(two.rate), median(one.rate)), 2)}× the connections/s, ${fmt(ratio(median(two.cpuUsPerConn), median(one.cpuUsPerConn)), 2)}× the CPU per connection. The load generator runs on the same cores.`);
  out.push('');
}
