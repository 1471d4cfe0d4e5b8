/** VirtualService spec reader: hosts, gateways, the ordered `tcp` rules and `tls` rules (src/manifest/tls-route.ts); http is skipped. Pure. */
import { Codes } from '../errors';
import { asList, asStringList, compact, INT32_MAX, INT32_MIN } from './fields';
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
  const subset = d?.str('subset');
  const port = d?.obj('port');
  const number = port?.port('number');
  port?.done();
  d?.done();
  const weight = o.int('weight', { min: INT32_MIN, max: INT32_MAX });
  o.done();
  if (host === undefined) return undefined;
  return compact({ index, destination: compact({ host, subset, port: number }), weight });
}
