/** EndpointSlice (discovery.k8s.io/v1) reader: explicit endpoints of a Service, at the document's top level. Pure. */
import { Codes } from '../errors';
import { isIP } from './address';
import { asString, compact } from './fields';
import { checkName } from './names';
import { asObj, type Obj } from './obj';
import type { DocReader, Field } from './reader';
import { SERVICE_NAME_LABEL, type EndpointSliceSpec, type SliceEndpoint, type SlicePort } from './workload-types';

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'] as const;

/** The slice's endpoints and ports; `root` is the whole document (an EndpointSlice has no `spec`). */
export function readEndpointSlice(root: Obj, labels: Readonly<Record<string, string>>): EndpointSliceSpec {
  const r = root.r;
  const addressType = root.enum('addressType', ADDRESS_TYPES);
  if (!root.get('addressType')) r.report('addressType', Codes.FIELD_REQUIRED, 'addressType is required');
  const endpoints: SliceEndpoint[] = [];
  root.list('endpoints').forEach((f, index) => {
    const e = readEndpoint(r, f, index, addressType);
    if (e) endpoints.push(e);
  });
  const ports: SlicePort[] = [];
  root.list('ports').forEach((f, index) => {
    const o = asObj(r, f);
    if (!o) return;
    const port = o.port('port', true);
    const name = o.str('name') ?? '';
    if (name !== '') checkName(r, o.at('name'), name, 'label');
    o.enum('protocol', ['TCP', 'UDP', 'SCTP']);
    o.ignore('appProtocol');
    o.done();
    if (port !== undefined) ports.push({ index, name, port });
  });
  root.done();
  const serviceName = Object.hasOwn(labels, SERVICE_NAME_LABEL) ? labels[SERVICE_NAME_LABEL] : undefined;
  if (serviceName === undefined) {
    r.report('metadata.labels', Codes.FIELD_REQUIRED, `metadata.labels must have ${SERVICE_NAME_LABEL}: the Service these endpoints belong to`);
  }
  return compact({ serviceName, endpoints, ports });
}

function readEndpoint(r: DocReader, f: Field, index: number, addressType: string | undefined): SliceEndpoint | undefined {
  const o = asObj(r, f);
  if (!o) return undefined;
  const addresses: string[] = [];
  o.list('addresses', true).forEach((a) => {
    const s = asString(r, a);
    if (s === undefined) return;
    if (addressType !== 'FQDN' && !isIP(s)) {
      r.report(a.path, Codes.FIELD_ADDRESS, `${a.path} must be an IP address (addressType ${addressType ?? 'unset'}), got ${JSON.stringify(s)}`);
      return;
    }
    addresses.push(s);
  });
  const conditions = o.obj('conditions');
  const ready = readBool(conditions, 'ready');
  conditions?.ignore('serving', 'terminating');
  conditions?.done();
  o.ignore('hostname', 'nodeName', 'zone', 'hints', 'targetRef', 'deprecatedTopology');
  o.done();
  return { index, addresses, ready: ready ?? true };
}

function readBool(o: Obj | undefined, key: string): boolean | undefined {
  const f = o?.get(key);
  if (!f || !o) return undefined;
  if (typeof f.value === 'boolean') return f.value;
  o.r.report(f.path, Codes.FIELD_TYPE, `${f.path} must be true or false`);
  return undefined;
}
