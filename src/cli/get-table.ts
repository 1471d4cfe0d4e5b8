/** `tcpshift get` without -o: a kubectl-style table (NAME, NAMESPACE, a summary column per kind). Pure. */
import type { AppliedResource } from '../admin/config-view';
import { GATEWAY_API_COLUMNS, summarizeGatewayApi } from './get-gateway-api';
import { resourceName } from './kinds';

type Raw = Record<string, unknown>;
const isMap = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const field = (v: unknown, key: string): unknown => (isMap(v) && Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined);
const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** The heading of each kind's summary column. */
const COLUMN: ReadonlyMap<string, string> = new Map([
  ['VirtualService', 'ROUTES'], ['Gateway', 'LISTENERS'], ['DestinationRule', 'HOST / SUBSETS'], ['ServiceEntry', 'HOSTS / ENDPOINTS'],
  ['Service', 'SELECTOR / PORTS'], ['EndpointSlice', 'SERVICE / ENDPOINTS'], ['WorkloadEntry', 'ADDRESS / LABELS'],
  ['RolloutPolicy', 'TARGETS / STEPS'], ...GATEWAY_API_COLUMNS,
]);

/** One line of what a resource does: weights of a VirtualService, ports of a Gateway, subsets, endpoints. */
export function summarize(r: AppliedResource): string {
  const spec = field(r.manifest, 'spec');
  switch (r.kind) {
    case 'VirtualService': {
      const routeText = (rule: unknown) => list(field(rule, 'route')).map((d) => {
        const dest = field(d, 'destination');
        const subset = text(field(dest, 'subset'));
        const weight = field(d, 'weight');
        return `${text(field(dest, 'host'))}${subset ? `/${subset}` : ''}${weight === undefined ? '' : ` ${text(weight)}`}`;
      }).join(', ');
      // A tls rule is shown with its SNI names: `sni=db.example.com: db/v1 80, db/v2 20`.
      const sniText = (rule: unknown) => list(field(rule, 'match')).flatMap((m) => list(field(m, 'sniHosts')).map(text)).join(',');
      return [
        ...list(field(spec, 'tcp')).map(routeText),
        ...list(field(spec, 'tls')).map((rule) => `sni=${sniText(rule)}: ${routeText(rule)}`),
      ].join('; ');
    }
    case 'Gateway':
      return list(field(spec, 'servers')).map((s) => {
        const port = field(s, 'port');
        const bind = text(field(s, 'bind'));
        return `${bind ? `${bind}:` : ''}${text(field(port, 'number'))}/${text(field(port, 'protocol'))}`;
      }).join(', ');
    case 'DestinationRule':
      return `${text(field(spec, 'host'))}  ${list(field(spec, 'subsets')).map((s) => text(field(s, 'name'))).join(', ') || '-'}`;
    case 'ServiceEntry':
      return `${list(field(spec, 'hosts')).map(text).join(', ')}  ${list(field(spec, 'endpoints')).map((e) => {
        const ports = field(e, 'ports');
        const version = text(field(field(e, 'labels'), 'version'));
        const p = isMap(ports) ? Object.values(ports).map(text).join('/') : '';
        return `${text(field(e, 'address'))}${p ? `:${p}` : ''}${version ? ` (${version})` : ''}`;
      }).join(', ') || '-'}`;
    case 'Service':
    case 'EndpointSlice':
    case 'WorkloadEntry':
      return summarizeWorkloads(r);
    case 'RolloutPolicy': {
      const targets = list(field(spec, 'targetRefs')).map((t) => text(field(t, 'name'))).join(', ') || '(every VirtualService)';
      const steps = list(field(spec, 'steps')).map(text);
      return `${targets}  ${steps.length > 0 ? `${[...steps, '100'].join('/')}% every ${text(field(spec, 'stepDuration')) || '1m'}` : 'at once'}`;
    }
    default:
      return summarizeGatewayApi(r) ?? '';
  }
}

/** `app=tcp-echo,version=v1`, or `-`. */
function labelText(v: unknown): string {
  return isMap(v) ? Object.entries(v).map(([k, x]) => `${k}=${text(x)}`).join(',') || '-' : '-';
}

/** The summary of the kinds that say where workloads are: a Service's selector and ports, a slice's addresses, an entry's address. */
function summarizeWorkloads(r: AppliedResource): string {
  const m = r.manifest;
  const spec = field(m, 'spec');
  if (r.kind === 'Service') {
    return `${labelText(field(spec, 'selector'))}  ${list(field(spec, 'ports')).map((p) => `${text(field(p, 'name')) || '-'}:${text(field(p, 'port'))}`).join(', ')}`;
  }
  if (r.kind === 'EndpointSlice') {
    const ports = list(field(m, 'ports')).map((p) => text(field(p, 'port'))).join('/');
    const addrs = list(field(m, 'endpoints')).flatMap((e) => list(field(e, 'addresses')).map(text));
    return `${text(field(field(field(m, 'metadata'), 'labels'), 'kubernetes.io/service-name'))}  ${addrs.join(', ') || '-'}${ports ? ` :${ports}` : ''}`;
  }
  const ports = field(spec, 'ports');
  const p = isMap(ports) ? Object.values(ports).map(text).join('/') : '';
  return `${text(field(spec, 'address'))}${p ? `:${p}` : ''}  ${labelText(field(spec, 'labels'))}`;
}

/** The table's lines; `withKind` (for `get all`) names rows `virtualservice/tcp-echo` under one SUMMARY column. */
export function renderTable(rows: readonly AppliedResource[], withKind: boolean): string[] {
  if (rows.length === 0) return ['No resources found.'];
  const kinds = new Set(rows.map((r) => r.kind));
  const single = kinds.size === 1 && !withKind ? [...kinds][0]! : null;
  const header = ['NAME', 'NAMESPACE', single ? COLUMN.get(single) ?? 'SUMMARY' : 'SUMMARY'];
  const body = rows.map((r) => [withKind ? resourceName(r.kind, r.metadata.name) : r.metadata.name, r.metadata.namespace, summarize(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [header, ...body].map((cols) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd());
}

/** The manifest as applied, with `metadata.namespace` filled in (kubectl always shows it). */
export function withNamespace(r: AppliedResource): unknown {
  if (!isMap(r.manifest)) return r.manifest;
  const meta = isMap(r.manifest['metadata']) ? r.manifest['metadata'] : {};
  const { name, ...rest } = meta;
  const out: Raw = {};
  for (const [k, v] of Object.entries(r.manifest)) out[k] = k === 'metadata' ? { name, namespace: r.metadata.namespace, ...rest } : v;
  return out;
}
