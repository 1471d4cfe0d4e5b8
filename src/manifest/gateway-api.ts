/**
 * Gateway API Gateway reader (gateway.networking.k8s.io v1/v1beta1): class, addresses and the TCP and
 * TLS-passthrough listeners; HTTP, HTTPS and UDP listeners are skipped as Istio servers are. Pure.
 */
import { Codes } from '../errors';
import { isIP } from './address';
import { compact } from './fields';
import { checkHostname, checkSectionName } from './gateway-api-names';
import { readL4Route, readReferenceGrant } from './gateway-api-routes';
import { GATEWAY_API_GROUP, type GatewayListener, type KubernetesGatewaySpec, type RouteNamespaces } from './gateway-api-types';
import { asObj, type Obj } from './obj';
import type { DocReader, Field } from './reader';
import type { GatewayApiKind, GatewayApiResource, Resource } from './types';

/** Protocols the Gateway API names that tcpshift does not serve: skipped with SERVER_SKIPPED, like Istio servers. */
const SKIPPED = ['HTTP', 'HTTPS', 'UDP'];
/** The route kind each served protocol accepts (the Gateway API's default `allowedRoutes.kinds`). */
export const ROUTE_KIND_OF: Readonly<Record<GatewayListener['protocol'], string>> = { TCP: 'TCPRoute', TLS: 'TLSRoute' };

/** The typed resource of a Gateway API kind (document.ts calls this for every kind of gateway.networking.k8s.io it reads). */
export function withGatewayApiSpec(kind: GatewayApiKind, spec: Obj, base: Omit<Resource, 'kind' | 'spec'>): GatewayApiResource {
  switch (kind) {
    case 'KubernetesGateway':
      return { ...base, kind, spec: readKubernetesGateway(spec) };
    case 'TCPRoute':
      return { ...base, kind, spec: readL4Route(spec, false) };
    case 'TLSRoute':
      return { ...base, kind, spec: readL4Route(spec, true) };
    case 'ReferenceGrant':
      return { ...base, kind, spec: readReferenceGrant(spec) };
  }
}

/** The Gateway spec; listeners that cannot be read or are not served are reported and left out. */
export function readKubernetesGateway(spec: Obj): KubernetesGatewaySpec {
  const r = spec.r;
  const gatewayClassName = spec.str('gatewayClassName', true) ?? '';
  const addresses = readAddresses(spec);
  const listeners: GatewayListener[] = [];
  const listenerNames: { index: number; name: string; port?: number }[] = [];
  const seen = new Map<string, number>();
  const written = spec.list('listeners', true);
  if (spec.get('listeners') && written.length === 0) r.report('spec.listeners', Codes.FIELD_REQUIRED, 'spec.listeners must have at least one listener');
  written.forEach((f, index) => {
    const o = asObj(r, f);
    if (!o) return;
    const name = o.str('name', true);
    const port = o.port('port', true);
    if (name !== undefined) {
      checkSectionName(r, o.at('name'), name);
      const prev = seen.get(name);
      if (prev !== undefined) {
        r.report(o.at('name'), Codes.DUPLICATE_LISTENER_NAME, `${o.at('name')}: listener ${name} is already spec.listeners[${prev}]`);
      } else seen.set(name, index);
      listenerNames.push(compact({ index, name, port }));
    }
    const l = readListener(o, f, index, name, port);
    if (l) listeners.push(l);
  });
  spec.ignore('infrastructure');
  spec.unsupported('backendTLS', 'tcpshift does not originate TLS to backends', 'warning');
  spec.unsupported('allowedListeners', 'tcpshift reads no ListenerSets', 'warning');
  spec.done();
  return { gatewayClassName, listeners, listenerNames, addresses };
}

/** `spec.addresses`: IPAddress values only (the default type); Hostname and named addresses cannot be bound here. */
function readAddresses(spec: Obj): string[] {
  const out: string[] = [];
  for (const f of spec.list('addresses')) {
    const o = asObj(spec.r, f);
    if (!o) continue;
    const type = o.str('type') ?? 'IPAddress';
    const value = o.str('value', true);
    o.done();
    if (type !== 'IPAddress') {
      spec.r.report(o.at('type'), Codes.FIELD_UNSUPPORTED, `${o.at('type')} ${type} is not supported: tcpshift binds IP addresses only`);
    } else if (value !== undefined && !isIP(value)) {
      spec.r.report(o.at('value'), Codes.FIELD_ADDRESS, `${o.at('value')} ${JSON.stringify(value)} must be an IP address`);
    } else if (value !== undefined && !out.includes(value)) out.push(value);
  }
  return out;
}

function readListener(o: Obj, f: Field, index: number, name: string | undefined, port: number | undefined): GatewayListener | undefined {
  const r = o.r;
  const protocol = o.str('protocol', true);
  if (protocol === undefined) return undefined;
  if (SKIPPED.includes(protocol)) {
    r.report(f.path, Codes.SERVER_SKIPPED, `${f.path}: protocol ${protocol} is not served by tcpshift (TCP and TLS passthrough only); listener skipped`, 'warning');
    return undefined;
  }
  if (protocol !== 'TCP' && protocol !== 'TLS') {
    r.report(o.at('protocol'), Codes.UNKNOWN_PROTOCOL,
      `${o.at('protocol')}: ${JSON.stringify(protocol)} is not a Gateway API protocol tcpshift knows (TCP, TLS; HTTP, HTTPS and UDP are skipped)`);
    return undefined;
  }
  const served: GatewayListener['protocol'] = protocol;
  const hostname = readListenerHostname(o, served);
  const tlsOk = readTls(o, protocol);
  const allowed = readAllowedRoutes(o, protocol);
  o.done();
  if (name === undefined || port === undefined || !tlsOk || !allowed) return undefined;
  return compact({ index, name, port, protocol: served, hostname, kinds: allowed.kinds, namespaces: allowed.namespaces });
}

/** A TLS listener's hostname (a TCP listener's is ignored, as the Gateway API says). */
function readListenerHostname(o: Obj, protocol: 'TCP' | 'TLS'): string | undefined {
  const h = o.str('hostname');
  if (h === undefined) return undefined;
  if (protocol === 'TCP') {
    o.r.report(o.at('hostname'), Codes.FIELD_UNKNOWN, `${o.at('hostname')} has no meaning for a TCP listener; ignored`, 'warning');
    return undefined;
  }
  return checkHostname(o.r, o.at('hostname'), h) ? h : undefined;
}

/** `tls`: forbidden on TCP, required on TLS, and only `mode: Passthrough` is served. False when the listener cannot be served. */
function readTls(o: Obj, protocol: 'TCP' | 'TLS'): boolean {
  const f = o.get('tls');
  if (protocol === 'TCP') {
    if (f) o.r.report(f.path, Codes.FIELD_UNSUPPORTED, `${f.path} must not be set on a TCP listener (the Gateway API forbids it)`);
    return f === undefined;
  }
  if (!f) {
    o.r.report(o.at('tls'), Codes.FIELD_REQUIRED, `${o.at('tls')} is required on a TLS listener; tcpshift serves tls.mode: Passthrough`);
    return false;
  }
  const tls = asObj(o.r, f);
  if (!tls) return false;
  const written = tls.enum('mode', ['Terminate', 'Passthrough'] as const);
  const mode = written ?? 'Terminate';
  tls.ignore('certificateRefs', 'options', 'frontendValidation');
  tls.done();
  if (written === undefined && tls.get('mode')) return false;
  if (mode === 'Terminate') {
    o.r.report(tls.at('mode'), Codes.TLS_TERMINATE_UNSUPPORTED,
      `${tls.at('mode')}: Terminate (the default) is not supported: tcpshift passes TLS through by SNI without terminating it; set mode: Passthrough`);
    return false;
  }
  return true;
}

/** `allowedRoutes`: which namespaces (Same by default) and route kinds may attach. Undefined when it cannot be honoured. */
function readAllowedRoutes(o: Obj, protocol: 'TCP' | 'TLS'): { kinds?: string[]; namespaces: RouteNamespaces } | undefined {
  const a = o.obj('allowedRoutes');
  if (!a) return { namespaces: 'Same' };
  const ns = a.obj('namespaces');
  const namespaces = ns?.enum('from', ['Same', 'All', 'Selector'] as const) ?? 'Same';
  ns?.ignore('selector');
  ns?.done();
  let ok = true;
  if (namespaces === 'Selector') {
    o.r.report(`${a.at('namespaces')}.from`, Codes.FIELD_UNSUPPORTED,
      `${a.at('namespaces')}.from: Selector is not supported: a repository has no Namespace objects whose labels tcpshift could match (use Same or All)`);
    ok = false;
  }
  // An empty or absent list means the protocol's default kind, as the Gateway API says.
  const written = a.list('kinds');
  let kinds: string[] | undefined;
  if (written.length > 0) {
    kinds = [];
    for (const item of written) {
      const k = asObj(o.r, item);
      const kind = k?.str('kind', true);
      const group = k?.str('group') ?? GATEWAY_API_GROUP;
      k?.done();
      if (kind === undefined) continue;
      if (group !== GATEWAY_API_GROUP || kind !== ROUTE_KIND_OF[protocol]) {
        o.r.report(item.path, Codes.FIELD_UNSUPPORTED,
          `${item.path}: ${group}/${kind} cannot attach to a ${protocol} listener (it takes ${ROUTE_KIND_OF[protocol]}); ignored`, 'warning');
        continue;
      }
      kinds.push(kind);
    }
  }
  a.done();
  return ok ? compact({ kinds, namespaces }) : undefined;
}
