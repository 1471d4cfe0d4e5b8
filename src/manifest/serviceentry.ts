/** ServiceEntry spec reader: hosts, ports, resolution and the endpoints (where backends live). Pure. */
import { Codes } from '../errors';
import { isHostname, isIP } from './address';
import { asPort, asStringList, compact, INT32_MAX } from './fields';
import { checkName } from './names';
import { asObj, type Obj } from './obj';
import { checkProtocol } from './protocol';
import type { DocReader, Field } from './reader';
import type { ServiceEntrySpec, ServicePort, WorkloadEntry } from './types';

const RESOLUTIONS: readonly ServiceEntrySpec['resolution'][] = ['STATIC', 'DNS', 'NONE'];
const LOCATIONS = ['MESH_INTERNAL', 'MESH_EXTERNAL'] as const;

/** The ServiceEntry spec; ports and endpoints that cannot be read are reported and left out. */
export function readServiceEntry(spec: Obj): ServiceEntrySpec {
  const r = spec.r;
  const hostsField = spec.need('hosts');
  const hosts = hostsField ? asStringList(r, hostsField) : [];
  if (hostsField && Array.isArray(hostsField.value) && hostsField.value.length === 0) {
    r.report(hostsField.path, Codes.FIELD_REQUIRED, `${hostsField.path} must list at least one host`);
  }
  const ports: ServicePort[] = [];
  spec.list('ports').forEach((f, index) => {
    const p = readPort(r, f, index);
    if (p) ports.push(p);
  });
  const resolution = spec.enum('resolution', RESOLUTIONS) ?? 'NONE';
  spec.enum('location', LOCATIONS);
  const endpoints: WorkloadEntry[] = [];
  spec.list('endpoints').forEach((f, index) => {
    const e = readEndpoint(r, f, index, resolution);
    if (e) endpoints.push(e);
  });
  spec.ignore('addresses', 'exportTo', 'subjectAltNames');
  const selector = readSelector(spec);
  spec.done();
  return compact({ hosts, ports, resolution, endpoints, workloadSelector: selector });
}

/** `workloadSelector.labels`: selects the namespace's WorkloadEntries; not with `endpoints` (as Istio). */
function readSelector(spec: Obj): Record<string, string> | undefined {
  const sel = spec.obj('workloadSelector');
  if (!sel) return undefined;
  const labels = sel.strMap('labels');
  sel.done();
  const endpoints = spec.get('endpoints');
  if (endpoints) {
    spec.r.report(sel.path, Codes.FIELD_EXCLUSIVE, `${sel.path}: a ServiceEntry takes either endpoints or a workloadSelector, not both`);
  }
  return labels;
}

function readPort(r: DocReader, f: Field, index: number): ServicePort | undefined {
  const o = asObj(r, f);
  if (!o) return undefined;
  const number = o.port('number', true);
  const name = o.str('name', true);
  if (name !== undefined) checkName(r, o.at('name'), name, 'label');
  const protocol = o.str('protocol');
  if (protocol !== undefined) checkProtocol(r, o.at('protocol'), protocol);
  const targetPort = o.port('targetPort');
  o.done();
  if (number === undefined || name === undefined) return undefined;
  return compact({ index, number, name, protocol, targetPort });
}

function readEndpoint(r: DocReader, f: Field, index: number, resolution: ServiceEntrySpec['resolution']): WorkloadEntry | undefined {
  const o = asObj(r, f);
  if (!o) return undefined;
  const address = o.str('address', true);
  if (address !== undefined) checkAddress(r, o.at('address'), address, resolution);
  const portsObj = o.obj('ports');
  const ports: [string, number][] = [];
  for (const key of portsObj?.keys() ?? []) {
    const p = portsObj?.get(key);
    if (p) checkName(r, p.path, key, 'label');
    const n = p && asPort(r, p);
    if (n !== undefined) ports.push([key, n]);
  }
  const labels = o.strMap('labels');
  const weight = o.int('weight', { min: 0, max: INT32_MAX });
  o.ignore('network', 'locality', 'serviceAccount');
  o.done();
  if (address === undefined) return undefined;
  return compact({ index, address, ports: Object.fromEntries(ports), labels, weight });
}

/**
 * With DNS or NONE resolution an endpoint address is an IP address or a DNS name. (With STATIC it must be
 * an IP address: the model checks that, as it does a Gateway's `bind`.)
 */
function checkAddress(r: DocReader, path: string, address: string, resolution: ServiceEntrySpec['resolution']): void {
  if (resolution === 'STATIC' || isIP(address) || isHostname(address)) return;
  r.report(path, Codes.FIELD_ADDRESS, `${path} must be an IP address or a DNS name, got ${JSON.stringify(address)}`);
}
