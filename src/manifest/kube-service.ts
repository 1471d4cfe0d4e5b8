/** Kubernetes Service (v1) spec reader: the selector and the TCP ports (name, port, targetPort). Pure. */
import { Codes } from '../errors';
import { asPort, compact, typeError } from './fields';
import { checkName } from './names';
import { asObj, type Obj } from './obj';
import { appProtocolClass } from './protocol';
import type { DocReader, Field } from './reader';
import type { KubeServicePort, KubeServiceSpec } from './workload-types';

const L4 = ['TCP', 'UDP', 'SCTP'] as const;

/** Service spec fields that do not change where tcpshift sends connections. */
const IGNORED = [
  'type', 'clusterIP', 'clusterIPs', 'externalIPs', 'externalName', 'externalTrafficPolicy', 'internalTrafficPolicy',
  'healthCheckNodePort', 'ipFamilies', 'ipFamilyPolicy', 'loadBalancerClass', 'loadBalancerIP', 'loadBalancerSourceRanges',
  'allocateLoadBalancerNodePorts', 'publishNotReadyAddresses', 'sessionAffinity', 'sessionAffinityConfig', 'trafficDistribution',
];

/** The Service spec; ports that cannot be read, or are not TCP, are reported and left out. */
export function readKubeService(spec: Obj): KubeServiceSpec {
  const r = spec.r;
  const selectorField = spec.get('selector');
  const selector = selectorField ? spec.strMap('selector') : undefined;
  const written = spec.list('ports');
  const ports: KubeServicePort[] = [];
  written.forEach((f, index) => {
    const p = readPort(r, f, index, written.length);
    if (p) ports.push(p);
  });
  spec.ignore(...IGNORED);
  spec.done();
  // An empty selector selects nothing in Kubernetes: the Service is then "without selector".
  return compact({ selector: selector && Object.keys(selector).length > 0 ? selector : undefined, ports });
}

function readPort(r: DocReader, f: Field, index: number, count: number): KubeServicePort | undefined {
  const o = asObj(r, f);
  if (!o) return undefined;
  const port = o.port('port', true);
  const name = o.str('name', count > 1) ?? '';
  if (name !== '') checkName(r, o.at('name'), name, 'label');
  const targetPort = readTargetPort(o);
  const protocol = o.enum('protocol', L4) ?? 'TCP';
  const appProtocol = o.str('appProtocol');
  if (appProtocol !== undefined && port !== undefined) checkAppProtocol(r, o.at('appProtocol'), appProtocol, port);
  o.ignore('nodePort');
  o.done();
  if (protocol !== 'TCP') {
    r.report(o.at('protocol'), Codes.FIELD_UNSUPPORTED, `${o.at('protocol')} ${protocol} is not supported: tcpshift proxies TCP only; port left out`, 'warning');
    return undefined;
  }
  if (port === undefined || (count > 1 && name === '')) return undefined;
  return compact({ index, name, port, targetPort, appProtocol });
}

/** `targetPort`: a port number, or the name of a workload port (a DNS-1123 label). */
function readTargetPort(o: Obj): number | string | undefined {
  const f = o.get('targetPort');
  if (!f) return undefined;
  if (typeof f.value === 'number') return asPort(o.r, f);
  if (typeof f.value !== 'string') return typeError(o.r, f, 'a port number or a port name');
  return checkName(o.r, f.path, f.value, 'label') ? f.value : undefined;
}

/**
 * UNKNOWN_PROTOCOL as a warning: Kubernetes takes any appProtocol and Istio, not knowing it, sniffs the
 * protocol (kube.ConvertProtocol) rather than rejecting the Service; tcpshift proxies the port as TCP.
 * A prefixed name Istio does not read (`example.com/x`) says nothing.
 */
function checkAppProtocol(r: DocReader, path: string, appProtocol: string, port: number): void {
  if (appProtocolClass(appProtocol, port) !== 'unknown' || appProtocol.includes('/')) return;
  r.report(path, Codes.UNKNOWN_PROTOCOL, `${path}: ${JSON.stringify(appProtocol)} is not a protocol Istio knows; it would sniff the protocol, tcpshift proxies the port as TCP`, 'warning');
}
