/** `tcpshift get` without -o: a kubectl-style table (NAME, NAMESPACE, a summary column per kind). Pure. */
import type { AppliedResource } from '../admin/config-view';

type Raw = Record<string, unknown>;
const isMap = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const field = (v: unknown, key: string): unknown => (isMap(v) && Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined);
const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** The heading of each kind's summary column. */
const COLUMN: ReadonlyMap<string, string> = new Map([
  ['VirtualService', 'ROUTES'], ['Gateway', 'LISTENERS'], ['DestinationRule', 'HOST / SUBSETS'], ['ServiceEntry', 'HOSTS / ENDPOINTS'],
]);

/** One line of what a resource does: weights of a VirtualService, ports of a Gateway, subsets, endpoints. */
export function summarize(r: AppliedResource): string {
  const spec = field(r.manifest, 'spec');
  switch (r.kind) {
    case 'VirtualService':
      return list(field(spec, 'tcp')).map((rule) => list(field(rule, 'route')).map((d) => {
        const dest = field(d, 'destination');
        const subset = text(field(dest, 'subset'));
        const weight = field(d, 'weight');
        return `${text(field(dest, 'host'))}${subset ? `/${subset}` : ''}${weight === undefined ? '' : ` ${text(weight)}`}`;
      }).join(', ')).join('; ');
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
    default:
      return '';
  }
}

/** The table's lines; `withKind` (for `get all`) names rows `virtualservice/tcp-echo` under one SUMMARY column. */
export function renderTable(rows: readonly AppliedResource[], withKind: boolean): string[] {
  if (rows.length === 0) return ['No resources found.'];
  const kinds = new Set(rows.map((r) => r.kind));
  const single = kinds.size === 1 && !withKind ? [...kinds][0]! : null;
  const header = ['NAME', 'NAMESPACE', single ? COLUMN.get(single) ?? 'SUMMARY' : 'SUMMARY'];
  const body = rows.map((r) => [withKind ? `${r.kind.toLowerCase()}/${r.metadata.name}` : r.metadata.name, r.metadata.namespace, summarize(r)]);
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
