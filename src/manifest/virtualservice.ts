/** VirtualService spec reader: hosts, gateways, the ordered `tcp` rules and `tls` rules (src/manifest/tls-route.ts); http is skipped. Pure. */
import { Codes } from '../errors';
import { asList, asStringList, compact, INT32_MAX, INT32_MIN } from './fields';
import { checkGatewayNames, checkHost } from './istio-checks';
import { hostsOverlap } from './istio-names';
import { checkName } from './names';
import { asObj, type Obj } from './obj';
import type { DocReader, Field } from './reader';
import { readTlsRoutes } from './tls-route';
import type { L4Match, RouteDestination, TcpRoute, VirtualServiceSpec } from './types';

/** L4 match fields Istio has that select clients; dropping them would widen the rule, so they are errors. */
const CLIENT_MATCHES = ['sourceLabels', 'sourceNamespace', 'sourceSubnet', 'destinationSubnets'];

/** The VirtualService spec; rules, matches and destinations that cannot be read are reported and left out. */
export function readVirtualService(spec: Obj): VirtualServiceSpec {
  const r = spec.r;
  const hosts = spec.strList('hosts');
  const gateways = spec.strList('gateways');
  checkGatewayNames(r, spec.at('gateways'), gateways);
  // ValidateVirtualService: bound to gateways unless `mesh` is among them (or none is written).
  const use = gateways.length > 0 && !gateways.includes('mesh') ? 'vs-gateway' : 'vs-mesh';
  const valid = hosts.map((h, i) => checkHost(r, `${spec.at('hosts')}[${i}]`, h, use));
  if (valid.every(Boolean)) checkDuplicateHosts(spec, hosts);
  checkRoutesWritten(spec, hosts, gateways);
  const tcp: TcpRoute[] = [];
  spec.list('tcp').forEach((f, index) => {
    const rule = readTcpRoute(r, f, index);
    if (rule) tcp.push(rule);
  });
  const tls = readTlsRoutes(spec, hosts, (o) => readRouteList(r, o));
  for (const key of ['http']) {
    const f = spec.get(key);
    if (f && !(Array.isArray(f.value) && f.value.length === 0)) {
      r.report(f.path, Codes.ROUTE_SKIPPED, `${f.path}: ${key} routes are not served by tcpshift; skipped`, 'warning');
    }
  }
  spec.ignore('exportTo');
  spec.done();
  return tls ? { hosts, gateways, tcp, tls } : { hosts, gateways, tcp };
}

/** ValidateVirtualService: no two hosts overlap (`a.com` twice, or `*.com` with `*.foo.com`). */
function checkDuplicateHosts(spec: Obj, hosts: readonly string[]): void {
  for (let j = 1; j < hosts.length; j++) {
    const i = hosts.findIndex((h, n) => n < j && hostsOverlap(h, hosts[j] ?? ''));
    if (i < 0) continue;
    const at = `${spec.at('hosts')}[${j}]`;
    spec.r.report(at, Codes.FIELD_HOST, `${at}: host ${hosts[j]} overlaps ${spec.at('hosts')}[${i}] (${hosts[i]}); Istio allows each host once per VirtualService`);
  }
}

/**
 * ValidateVirtualService: some http, tcp or tls route; and without hosts the VirtualService is a
 * delegate, which may have neither gateways nor tcp/tls routes.
 */
function checkRoutesWritten(spec: Obj, hosts: readonly string[], gateways: readonly string[]): void {
  const written = (key: string): boolean => {
    const f = spec.get(key);
    return f !== undefined && !(Array.isArray(f.value) && f.value.length === 0);
  };
  const tcp = written('tcp');
  const tls = written('tls');
  if (!tcp && !tls && !written('http')) {
    spec.r.report(spec.at('tcp'), Codes.FIELD_REQUIRED, `${spec.at('tcp')}: a VirtualService must have http, tcp or tls routes`);
  }
  if (hosts.length === 0 && (tcp || tls || gateways.length > 0)) {
    spec.r.report(spec.at('hosts'), Codes.FIELD_REQUIRED,
      `${spec.at('hosts')} is required: without hosts a VirtualService is a delegate, which Istio allows no gateways and no tcp or tls routes`);
  }
}

function readTcpRoute(r: DocReader, f: Field, index: number): TcpRoute | undefined {
  const o = asObj(r, f);
  if (!o) return undefined;
  const match: L4Match[] = [];
  for (const m of o.list('match')) {
    const read = readMatch(r, m);
    if (read) match.push(read);
  }
  const route = readRouteList(r, o);
  o.done();
  return { index, match, route };
}

/** A rule's `route` list (tcp and tls rules alike): FIELD_REQUIRED when missing or empty. */
function readRouteList(r: DocReader, o: Obj): RouteDestination[] {
  const route: RouteDestination[] = [];
  const routeField = o.need('route');
  const written = routeField ? asList(r, routeField) : [];
  if (routeField && Array.isArray(routeField.value) && written.length === 0) {
    r.report(routeField.path, Codes.FIELD_REQUIRED, `${routeField.path} must list at least one destination`);
  }
  written.forEach((d, i) => {
    const read = readRouteDestination(r, d, i);
    if (read) route.push(read);
  });
  return route;
}

function readMatch(r: DocReader, f: Field): L4Match | undefined {
  const o = asObj(r, f);
  if (!o) return undefined;
  const port = o.port('port');
  const g = o.get('gateways');
  const gateways = g ? asStringList(r, g) : undefined;
  if (g && gateways) checkGatewayNames(r, g.path, gateways);
  for (const key of CLIENT_MATCHES) {
    o.unsupported(key, 'tcpshift cannot tell which client a connection comes from', 'error');
  }
  o.done();
  return compact({ port, gateways });
}

function readRouteDestination(r: DocReader, f: Field, index: number): RouteDestination | undefined {
  const o = asObj(r, f);
  if (!o) return undefined;
  const d = o.obj('destination', true);
  const host = d?.str('host', true);
  if (d && host !== undefined) checkHost(r, d.at('host'), host, 'destination');
  // validateDestination: an empty subset is no subset; a written one is a DNS-1123 label.
  const subset = d?.str('subset') || undefined;
  if (d && subset !== undefined) checkName(r, d.at('subset'), subset, 'istio-label');
  // validatePortSelector: a written port selector needs its number (`port: {}` is port 0 to Istio).
  const port = d?.obj('port');
  const number = port?.port('number', true);
  port?.done();
  d?.done();
  const weight = o.int('weight', { min: INT32_MIN, max: INT32_MAX });
  o.done();
  if (host === undefined) return undefined;
  return compact({ index, destination: compact({ host, subset, port: number }), weight });
}
