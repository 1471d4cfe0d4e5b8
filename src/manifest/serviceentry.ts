/**
 * ServiceEntry spec reader: hosts, ports, resolution and the endpoints (where backends live), with
 * Istio's ValidateServiceEntry rules (pkg/config/validation/validation.go). Pure.
 */
import { Codes } from '../errors';
import { isHostname, isIP } from './address';
import { asPort, asStringList, compact, INT32_MAX } from './fields';
import { checkHost, warnPartialWildcard } from './istio-checks';
import { fqdnError, unixAddressError, unixPath } from './istio-names';
import { checkName } from './names';
import { asObj, type Obj } from './obj';
import { checkProtocol, namesHost } from './protocol';
import type { DocReader, Field } from './reader';
import type { ServiceEntrySpec, ServicePort, WorkloadEntry } from './types';

type Resolution = ServiceEntrySpec['resolution'];
const RESOLUTIONS: readonly Resolution[] = ['STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'NONE'];
const LOCATIONS = ['MESH_INTERNAL', 'MESH_EXTERNAL'] as const;

/** The ServiceEntry spec; ports and endpoints that cannot be read are reported and left out. */
export function readServiceEntry(spec: Obj): ServiceEntrySpec {
  const r = spec.r;
  const hostsField = spec.need('hosts');
  const hosts = hostsField ? asStringList(r, hostsField) : [];
  if (hostsField && Array.isArray(hostsField.value) && hostsField.value.length === 0) {
    r.report(hostsField.path, Codes.FIELD_REQUIRED, `${hostsField.path} must list at least one host`);
  }
  const validHosts = hosts.map((h, i) => {
    const at = `${spec.at('hosts')}[${i}]`;
    const ok = checkHost(r, at, h, 'serviceentry');
    if (ok) warnPartialWildcard(r, at, h);
    return ok;
  });
  const ports: ServicePort[] = [];
  spec.list('ports').forEach((f, index) => {
    const p = readPort(r, f, index);
    if (p) ports.push(p);
  });
  checkUniquePorts(spec, ports);
  const resolution = spec.enum('resolution', RESOLUTIONS) ?? 'NONE';
  spec.enum('location', LOCATIONS);
  const endpoints: WorkloadEntry[] = [];
  spec.list('endpoints').forEach((f, index) => {
    const e = readEndpoint(r, f, index, resolution, ports);
    if (e) endpoints.push(e);
  });
  spec.ignore('addresses', 'exportTo', 'subjectAltNames');
  const selector = readSelector(spec);
  checkResolution(spec, resolution, hosts, validHosts);
  checkHostsOnTcp(spec, resolution, hosts, ports);
  spec.done();
  return compact({ hosts, ports, resolution, endpoints, workloadSelector: selector });
}

/** ValidateServiceEntry: port numbers and names are each unique. */
function checkUniquePorts(spec: Obj, ports: readonly ServicePort[]): void {
  const numbers = new Map<number, number>();
  const names = new Map<string, number>();
  for (const p of ports) {
    const at = `${spec.at('ports')}[${p.index}]`;
    const byName = names.get(p.name);
    if (byName !== undefined) {
      spec.r.report(`${at}.name`, Codes.DUPLICATE_PORT, `${at}.name: port name ${p.name} is already used by ${spec.at('ports')}[${byName}]`);
    } else names.set(p.name, p.index);
    const byNumber = numbers.get(p.number);
    if (byNumber !== undefined) {
      spec.r.report(`${at}.number`, Codes.DUPLICATE_PORT, `${at}.number: port ${p.number} is already defined by ${spec.at('ports')}[${byNumber}]`);
    } else numbers.set(p.number, p.index);
  }
}

/**
 * ValidateServiceEntry, by resolution: NONE takes no endpoints, DNS_ROUND_ROBIN at most one; DNS without
 * endpoints dials its hosts, so they must be plain DNS names (no wildcard).
 */
function checkResolution(spec: Obj, resolution: Resolution, hosts: readonly string[], valid: readonly boolean[]): void {
  const f = spec.get('endpoints');
  const count = Array.isArray(f?.value) ? f.value.length : 0;
  const at = spec.at('endpoints');
  if (resolution === 'NONE' && count > 0) {
    spec.r.report(at, Codes.RESOLUTION_ENDPOINTS, `${at}: a ServiceEntry with resolution NONE (the default) takes no endpoints; use STATIC for IP addresses or DNS for names`);
  }
  if (resolution === 'DNS_ROUND_ROBIN' && count > 1) {
    spec.r.report(at, Codes.RESOLUTION_ENDPOINTS, `${at}: resolution DNS_ROUND_ROBIN takes at most one endpoint, got ${count}`);
  }
  if ((resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') && count === 0) {
    const i = hosts.findIndex((h, n) => valid[n] === true && fqdnError(h) !== null);
    const host = hosts[i];
    if (host !== undefined) {
      const path = `${spec.at('hosts')}[${i}]`;
      spec.r.report(path, Codes.FIELD_HOST, `${path}: with resolution ${resolution} and no endpoints the host is dialled, so ${JSON.stringify(host)} must be a DNS name without wildcards`);
    }
  }
}

/**
 * ValidateServiceEntry: several hosts on a port whose protocol names no host (TCP, or left out) cannot
 * be told apart, unless the resolution is NONE.
 */
function checkHostsOnTcp(spec: Obj, resolution: Resolution, hosts: readonly string[], ports: readonly ServicePort[]): void {
  if (resolution === 'NONE' || hosts.length < 2) return;
  const tcp = ports.find((p) => !namesHost(p.protocol));
  if (!tcp) return;
  const at = spec.at('hosts');
  spec.r.report(at, Codes.MULTI_HOST_TCP,
    `${at}: ${hosts.length} hosts share TCP port ${tcp.number}, where nothing tells them apart; use one ServiceEntry per host (or resolution NONE)`);
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
  if (name !== undefined) checkName(r, o.at('name'), name, 'istio-label');
  // ValidateProtocol: an empty protocol is left to sniffing.
  const protocol = o.str('protocol') || undefined;
  if (protocol !== undefined) checkProtocol(r, o.at('protocol'), protocol);
  const targetPort = o.port('targetPort');
  o.done();
  if (number === undefined || name === undefined) return undefined;
  return compact({ index, number, name, protocol, targetPort });
}

function readEndpoint(r: DocReader, f: Field, index: number, resolution: Resolution, servicePorts: readonly ServicePort[]): WorkloadEntry | undefined {
  const o = asObj(r, f);
  if (!o) return undefined;
  const address = o.str('address', true);
  const unix = resolution === 'STATIC' && address !== undefined && unixPath(address) !== null;
  if (address !== undefined) checkAddress(r, o.at('address'), address, resolution);
  const portsObj = o.obj('ports');
  const ports: [string, number][] = [];
  for (const key of portsObj?.keys() ?? []) {
    const p = portsObj?.get(key);
    if (!p) continue;
    checkName(r, p.path, key, 'istio-label');
    // validateWorkloadEntry: an endpoint port is named after a service port (else it would dial the service port).
    if (!unix && !servicePorts.some((sp) => sp.name === key)) {
      r.report(p.path, Codes.UNKNOWN_PORT, `${p.path}: the ServiceEntry has no port named ${key} (it has ${servicePorts.map((sp) => sp.name).join(', ') || 'none'})`);
    }
    const n = asPort(r, p);
    if (n !== undefined) ports.push([key, n]);
  }
  if (unix && address !== undefined) checkUnixEndpoint(r, o, address, ports.length > 0 || portsObj !== undefined, servicePorts.length);
  const labels = o.strMap('labels');
  const weight = o.int('weight', { min: 0, max: INT32_MAX });
  o.ignore('network', 'locality', 'serviceAccount');
  o.done();
  if (address === undefined) return undefined;
  return compact({ index, address, ports: Object.fromEntries(ports), labels, weight });
}

/** validateWorkloadEntry for `unix:///path`: an absolute path, no ports of its own, and exactly one service port. */
function checkUnixEndpoint(r: DocReader, o: Obj, address: string, hasPorts: boolean, servicePorts: number): void {
  const why = unixAddressError(unixPath(address) ?? '');
  if (why !== null) r.report(o.at('address'), Codes.FIELD_ADDRESS, `${o.at('address')} ${JSON.stringify(address)} ${why}`);
  if (hasPorts) r.report(o.at('ports'), Codes.FIELD_UNSUPPORTED, `${o.at('ports')} is not supported: a Unix socket endpoint has no ports`);
  if (servicePorts !== 1) {
    r.report(o.at('address'), Codes.FIELD_UNSUPPORTED, `${o.at('address')}: a Unix socket endpoint needs a ServiceEntry with exactly one port, it has ${servicePorts}`);
  }
}

/**
 * With DNS or NONE resolution an endpoint address is an IP address or a DNS name. (With STATIC it must be
 * an IP address or a Unix socket: the model checks that, as it does a Gateway's `bind`.)
 */
function checkAddress(r: DocReader, path: string, address: string, resolution: Resolution): void {
  if (resolution === 'STATIC' || isIP(address) || isHostname(address)) return;
  r.report(path, Codes.FIELD_ADDRESS, `${path} must be an IP address or a DNS name, got ${JSON.stringify(address)}`);
}
