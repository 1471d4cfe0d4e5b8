/** `tcpshift get` table summaries of the Gateway API kinds (Gateway, TCPRoute, TLSRoute, ReferenceGrant). Pure. */
import type { AppliedResource } from '../admin/config-view';

type Raw = Record<string, unknown>;
const isMap = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const field = (v: unknown, key: string): unknown => (isMap(v) && Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined);
const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** The heading of each Gateway API kind's summary column. */
export const GATEWAY_API_COLUMNS: readonly [string, string][] = [
  ['KubernetesGateway', 'CLASS / LISTENERS'], ['TCPRoute', 'PARENTS / BACKENDS / ACCEPTED'], ['TLSRoute', 'HOSTNAMES / BACKENDS / ACCEPTED'], ['ReferenceGrant', 'FROM / TO'],
];

/** One line of what a Gateway API resource does, or undefined for other kinds. */
export function summarizeGatewayApi(r: AppliedResource): string | undefined {
  const spec = field(r.manifest, 'spec');
  switch (r.kind) {
    case 'KubernetesGateway':
      return `${text(field(spec, 'gatewayClassName'))}  ${list(field(spec, 'listeners')).map((l) =>
        `${text(field(l, 'name'))}:${text(field(l, 'port'))}/${text(field(l, 'protocol'))}${text(field(l, 'hostname')) ? ` ${text(field(l, 'hostname'))}` : ''}`).join(', ')}`;
    case 'TCPRoute':
    case 'TLSRoute': {
      const parents = list(field(spec, 'parentRefs')).map((p) => `${text(field(p, 'name'))}${text(field(p, 'sectionName')) ? `/${text(field(p, 'sectionName'))}` : ''}`).join(', ');
      const hosts = list(field(spec, 'hostnames')).map(text).join(', ');
      const backends = list(field(list(field(spec, 'rules'))[0], 'backendRefs'))
        .map((b) => `${text(field(b, 'name'))}:${text(field(b, 'port'))} ${text(field(b, 'weight')) || '1'}`).join(', ');
      const accepted = list(field(field(r.manifest, 'status'), 'parents')).map((p) =>
        list(field(p, 'conditions')).find((c) => field(c, 'type') === 'Accepted')).map((c) => text(field(c, 'reason'))).join(', ');
      return `${r.kind === 'TLSRoute' ? hosts || '*' : parents}  ${backends || '-'}  ${accepted || '-'}`;
    }
    case 'ReferenceGrant':
      return `${list(field(spec, 'from')).map((f) => `${text(field(f, 'namespace'))}/${text(field(f, 'kind'))}`).join(', ')}  ${list(field(spec, 'to')).map((t) =>
        `${text(field(t, 'kind'))}${text(field(t, 'name')) ? ` ${text(field(t, 'name'))}` : ''}`).join(', ')}`;
    default:
      return undefined;
  }
}
