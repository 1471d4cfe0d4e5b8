/** Changes → lines a person reads (`tcpshift diff`, PR comments) and counts for the reconcile log. Pure. */
import { formatDuration } from '../duration';
import type { Policy } from '../model/types';
import { escapeControl } from '../safe-text';
import type {
  Change, ChangeSummary, DestinationRef, PolicyField, PolicyFieldChange, RouteChanged, WeightDelta,
} from './types';

/** Returns one line per change, grouped by listener (first-appearance order, change order kept inside a group). */
export function renderChanges(changes: readonly Change[]): string[] {
  const groups = new Map<string, string[]>();
  for (const c of changes) {
    const lines = groups.get(c.listener) ?? [];
    lines.push(renderChange(c));
    groups.set(c.listener, lines);
  }
  return [...groups.values()].flat();
}

/** Returns how many changes of each kind there are (a weights change counts once per listener). */
export function summarizeChanges(changes: readonly Change[]): ChangeSummary {
  const count = (t: Change['type']) => changes.filter((c) => c.type === t).length;
  return {
    listenersAdded: count('listener-added'),
    listenersRemoved: count('listener-removed'),
    routesChanged: count('route-changed'),
    weightsChanged: count('weights-changed'),
    endpointsChanged: count('endpoints-changed'),
    policyChanged: count('policy-changed'),
  };
}

/**
 * Returns the one-line rendering of a change. Names were validated, but the line goes into CI logs and
 * PR comments, so control characters are escaped here too (only user strings can hold any).
 */
export function renderChange(c: Change): string {
  return escapeControl(changeLine(c));
}

function changeLine(c: Change): string {
  switch (c.type) {
    case 'listener-added': {
      const labels = destinationLabels(c.destinations);
      const split = c.destinations.map((d, i) => `${labels[i]} ${formatPercent(d.percent)}`).join(', ');
      const proxy = c.acceptProxyProtocol ? ', accepts PROXY protocol' : '';
      return `+ listener ${entryLabel(c)} (gateway ${c.gateway}${proxy}) → ${split === '' ? '(no destinations)' : split}`;
    }
    case 'listener-removed':
      return `- listener ${c.listener} (gateway ${c.gateway})`;
    case 'route-changed':
      return `~ ${c.listener} ${routeParts(c).join(', ')}`;
    case 'weights-changed': {
      const labels = destinationLabels(c.destinations, c.destinations.map(signOf));
      return `~ ${c.listener} ${c.destinations.map((d, i) => weightPart(d, labels[i] ?? d.key)).join('  ')}`;
    }
    case 'endpoints-changed': {
      const eps = [...c.added.map((k) => `+${k}`), ...c.removed.map((k) => `-${k}`), ...c.changed.map((k) => `~${k}`)];
      return `~ ${c.listener} ${destinationLabel(c.destination)} endpoints ${eps.join(' ')}`;
    }
    case 'policy-changed':
      return `~ ${c.listener} ${destinationLabel(c.destination)} policy ${c.fields.map(policyPart).join(', ')}`;
  }
}

/** `80`, `33.33`, `0`: at most two decimals, none when not needed, with a `%`. */
export function formatPercent(n: number): string {
  return `${Number(n.toFixed(2)) || 0}%`;
}

/** `tcp-echo v2`, or the host alone for a route to the whole service. */
export function destinationLabel(d: DestinationRef): string {
  return d.subset === null ? d.host : `${d.host} ${d.subset}`;
}

/**
 * Labels for a list of destinations: the host is written once for a run of the same host
 * (`tcp-echo v1`, `v2`), and `:port` is added when a host and subset appear on two ports.
 * `signs[i]` (`+`/`-`) goes before the subset, or before the host of a whole-service destination.
 */
function destinationLabels(ds: readonly DestinationRef[], signs: readonly string[] = []): string[] {
  let prevHost: string | null = null;
  return ds.map((d, i) => {
    const twin = ds.some((o) => o.host === d.host && o.subset === d.subset && o.port !== d.port);
    const tail = `${signs[i] ?? ''}${d.subset ?? d.host}${twin ? `:${d.port}` : ''}`;
    const showHost = d.subset !== null && d.host !== prevHost;
    prevHost = d.host;
    return showHost ? `${d.host} ${tail}` : tail;
  });
}

function signOf(d: WeightDelta): string {
  return d.change === 'added' ? '+' : d.change === 'removed' ? '-' : '';
}

function weightPart(d: WeightDelta, label: string): string {
  const move = d.oldPercent === d.newPercent
    ? `${formatPercent(d.newPercent)} (weight ${d.oldWeight} → ${d.newWeight})`
    : `${formatPercent(d.oldPercent)} → ${formatPercent(d.newPercent)}`;
  return `${label} ${move}`;
}

function routeParts(c: RouteChanged): string[] {
  const parts: string[] = [];
  const vs = c.virtualService;
  const section = c.section ?? { old: 'tcp', new: 'tcp' };
  if (vs.old !== vs.new || c.rule.old !== c.rule.new || section.old !== section.new) {
    parts.push(`route ${vs.old} ${section.old}[${c.rule.old}] → ${vs.new} ${section.new}[${c.rule.new}]`);
  }
  if (c.sni) parts.push(`sni ${c.sni.old || '(none)'} → ${c.sni.new || '(none)'}`);
  if (c.tls) parts.push(`SNI routing ${onOff(c.tls.old)} → ${onOff(c.tls.new)}`);
  if (c.acceptProxyProtocol) parts.push(`accept PROXY protocol ${onOff(c.acceptProxyProtocol.old)} → ${onOff(c.acceptProxyProtocol.new)}`);
  if (c.gateway.old !== c.gateway.new) parts.push(`gateway ${c.gateway.old} → ${c.gateway.new}`);
  if (c.portName.old !== c.portName.new) parts.push(`port name ${c.portName.old} → ${c.portName.new}`);
  if (c.connections) parts.push(`connections ${c.connections.old} → ${c.connections.new}`);
  return parts;
}

function onOff(b: boolean): string {
  return b ? 'on' : 'off';
}

/**
 * A new entry as written in a diff: its key, with every SNI name (the key holds the first), or
 * `(TLS fallback)` for the entry of a TLS socket that takes connections no SNI name matches.
 */
function entryLabel(c: Extract<Change, { type: 'listener-added' }>): string {
  if (c.sni && c.sni.length > 0) {
    const cut = c.listener.indexOf(' sni=');
    return `${cut < 0 ? c.listener : c.listener.slice(0, cut)} sni=${c.sni.join(',')}`;
  }
  return c.tls ? `${c.listener} (TLS fallback)` : c.listener;
}

const FIELD_NAMES: Readonly<Record<PolicyField, string>> = {
  loadBalancer: 'loadBalancer', connectTimeoutMs: 'connectTimeout', idleTimeoutMs: 'idleTimeout', maxConnectionDurationMs: 'maxConnectionDuration',
  maxConnections: 'maxConnections', tcpKeepalive: 'tcpKeepalive', outlierDetection: 'outlierDetection', proxyProtocol: 'proxyProtocol',
};

function policyPart(f: PolicyFieldChange): string {
  return `${FIELD_NAMES[f.field]} ${policyValue(f.field, f.old)} → ${policyValue(f.field, f.new)}`;
}

/** Renders one policy value the way a DestinationRule writes it (durations, `off`, `unlimited`). */
function policyValue(field: PolicyField, v: Policy[PolicyField]): string {
  if (v === null) return field === 'maxConnections' ? 'unlimited' : 'off';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    if ((field === 'idleTimeoutMs' || field === 'maxConnectionDurationMs') && v === 0) return 'off';
    return field.endsWith('Ms') ? formatDuration(v) : String(v);
  }
  if ('probes' in v) return `time=${formatDuration(v.timeMs)} interval=${formatDuration(v.intervalMs)} probes=${v.probes}`;
  return `errors=${v.consecutiveErrors} interval=${formatDuration(v.intervalMs)} ` +
    `ejection=${formatDuration(v.baseEjectionTimeMs)} max=${formatPercent(v.maxEjectionPercent)}`;
}
