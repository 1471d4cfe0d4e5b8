/** Renders the `/status` JSON for people (`tcpshift status`). Pure. */
import { formatPercent } from '../diff/render';
import { formatDuration } from '../duration';
import type { ConnectionPolicy } from '../model/types';
import { formatDiagnostic } from '../errors';
import type { ListenerSnapshot, ProxySnapshot } from '../proxy/snapshot';
import type { RolloutStatus } from '../reconcile/rollout-state';
import type { ReconcileStatus } from '../reconcile/status';

/** GET /status: the reconciler's status, the proxy's snapshot and the replica's name (`--instance`; null when unnamed). */
export type StatusDocument = ReconcileStatus & ProxySnapshot & { readonly instance?: string | null };

const short = (rev: string | null) => (rev ? (/^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 12) : rev) : '-');

/** `default/tcp-echo Progressing step 2/4 80/20, next step 10:03:00Z, checks connect-failures 0% ok, smoke HTTP 200 ok`. */
export function rolloutSummary(r: RolloutStatus): string {
  const shares = Object.values(r.shares).map((v) => String(v)).join('/');
  const checks = r.checks.length === 0 ? 'no checks yet' : `checks ${r.checks.map((c) => `${c.name} ${c.value} ${c.ok ? 'ok' : 'FAILED'}`).join(', ')}`;
  const next = r.nextStepAt ? `, next step at ${r.nextStepAt}` : '';
  return `${r.target} ${r.phase} step ${r.step}/${r.steps} ${shares}${next}, ${checks}${r.message ? ` — ${r.message}` : ''}  (${short(r.revision)})`;
}

/** The SNI-routing fields of a listener entry, when the snapshot carries them (src/model/types.ts Listener). */
type TlsFields = { readonly sni?: readonly string[]; readonly tls?: boolean; readonly acceptProxyProtocol?: boolean; readonly route: { readonly section?: 'tls' } };

/** `0.0.0.0:443 sni=a.example.com,b.example.com`, `0.0.0.0:443 (TLS fallback)`, or the key; `+PROXY` when it reads a PROXY header. */
function entryText(l: ListenerSnapshot): string {
  const t = l as ListenerSnapshot & TlsFields;
  const cut = l.key.indexOf(' sni=');
  const socket = cut < 0 ? l.key : l.key.slice(0, cut);
  const name = t.sni && t.sni.length > 0 ? `${socket} sni=${t.sni.join(',')}` : t.tls ? `${l.key} (TLS fallback)` : l.key;
  return t.acceptProxyProtocol ? `${name} +PROXY` : name;
}

/** The VirtualService list of the entry's rule: `tls` for SNI entries (by the route's section, else by an ` sni=` key). */
function sectionOf(l: ListenerSnapshot): 'tcp' | 'tls' {
  const t = l as ListenerSnapshot & TlsFields;
  return t.route.section ?? (l.key.includes(' sni=') ? 'tls' : 'tcp');
}

/** Returns the lines of the human summary. */
export function renderStatus(s: StatusDocument): string[] {
  const lines = [
    ...(s.instance ? [`Instance:   ${s.instance}`] : []),
    `Source:     ${s.source}`,
    `Ready:      ${s.ready ? 'True' : 'False'}  reason ${s.reason}`,
    `Message:    ${s.message}`,
    `Applied:    ${short(s.lastAppliedRevision)}${s.lastAppliedAt ? `  at ${s.lastAppliedAt}` : ''}`,
    `Attempted:  ${short(s.lastAttemptedRevision)}${s.lastAttemptedAt ? `  at ${s.lastAttemptedAt}` : ''}${s.lastAttemptedOutcome ? `  (${s.lastAttemptedOutcome})` : ''}`,
    `Last run:   ${s.lastRunAt ? `${s.lastRunAt}  (${s.lastOutcome ?? '-'})` : 'none since tcpshift started'}`,
  ];
  if (s.lastAppliedSigner) lines.push(`Signed by:  ${s.lastAppliedSigner}`);
  if (s.reconciling) lines.push(`Reconciling: ${short(s.reconciling.revision)}  step ${s.reconciling.step}  since ${s.reconciling.since}`);
  for (const r of s.rollouts ?? []) lines.push(`Rollout:    ${rolloutSummary(r)}`);
  if (s.pinned) lines.push(`Pinned:     ${s.pinned}  (--revision: the branch head is not followed)`);
  if (s.suspended) {
    lines.push(`Suspended:  since ${s.suspendedAt ?? '-'} (${s.suspendedReason ?? 'manual'}); ${s.pendingRevision ? `would apply ${short(s.pendingRevision)}` : 'nothing new to apply'}  — tcpshift resume`);
  }
  lines.push(`Open connections: ${s.activeConnections}`, s.listeners.length === 0 ? 'Listeners:  none' : 'Listeners:');
  for (const l of s.listeners) {
    const seen = l.route.observedConnections ?? 0;
    lines.push(`  ${entryText(l)}  gateway ${l.gateway}  route ${l.route.virtualService} ${sectionOf(l)}[${l.route.rule}]  observed over the last ${seen} new connection${seen === 1 ? '' : 's'}`);
    const governed = l.route.connections ?? null;
    if (governed !== null) lines.push(`    connections: ${connectionPolicy(governed)}; ${l.route.activeConnections ?? 0} open`);
    for (const d of l.route.destinations) {
      const eps = d.endpoints.map((e) => `${e.key} (${e.ejected ? 'ejected, ' : ''}${e.active} active)`).join(', ');
      const observed = d.observedPercent === null || d.observedPercent === undefined ? '-' : formatPercent(d.observedPercent);
      const share = governed !== null ? `  ${activeShare(d.activePercent ?? null, d.listenerActive ?? 0)}` : '';
      lines.push(`    ${d.host} ${d.subset ?? '-'}:${d.port}  weight ${d.weight} (${formatPercent(d.percent)})${share}  observed ${observed}  active ${d.active}  opened ${d.opened}  endpoints ${eps || 'none'}`);
    }
    for (const d of l.route.draining ?? []) lines.push(`    draining ${d.service} ${d.version}  ${activeShare(d.activePercent, d.listenerActive)}`);
  }
  const errors = s.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    lines.push(`Errors in ${short(s.lastAttemptedRevision)}:`);
    for (const d of errors) lines.push(`  ${formatDiagnostic(d)}`);
  }
  if (s.lastChanges.length > 0) {
    lines.push('Last applied changes:');
    for (const c of s.lastChanges) lines.push(`  ${c}`);
  }
  return lines;
}

/** `rebalance, at most 10 closes/s, idle 1s, drainAfter 5m, stickiness sourceIP`. */
function connectionPolicy(p: ConnectionPolicy): string {
  const parts = [p.rebalance ? `rebalance, at most ${p.maxClosesPerSecond} closes/s, idle ${formatDuration(p.closeWhenIdleForMs)}` : 'no rebalance'];
  if (p.drainAfterMs > 0) parts.push(`drainAfter ${formatDuration(p.drainAfterMs)}`);
  if (p.stickiness !== 'none') parts.push(`stickiness ${p.stickiness}`);
  return parts.join(', ');
}

/** A destination's share of its listener's open connections: `active share 48% of 12 open`. */
function activeShare(percent: number | null, open: number): string {
  return `active share ${percent === null ? '-' : formatPercent(percent)} of ${open} open`;
}
