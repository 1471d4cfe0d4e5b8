/**
 * Gateway API resources → listener entries of the one routing table (the Istio VirtualService's
 * Listener/Route/Destination shapes), and each route's status as tcpshift judged it. Pure.
 */
import { Codes, type Diagnostic } from '../errors';
import { diagAt, relatedAt } from '../manifest/locate';
import type { KubernetesGateway, ReferenceGrant, Resource } from '../manifest/types';
import { entryKey, socketOf } from './address';
import { attachRoute, type Attachment } from './gateway-api-attach';
import { indexGrants, resolveBackends, type L4Route } from './gateway-api-backends';
import { gatewaySockets, servedGateways, withoutIstioClashes, type GatewaySocket } from './gateway-api-listeners';
import { ROUTE_KIND_OF } from '../manifest/gateway-api';
import { GATEWAY_API_GROUP } from '../manifest/gateway-api-types';
import { CONTROLLER_NAME, type GatewayStatus, type RouteStatus } from './gateway-api-status';
import type { ServiceIndex } from './services';
import type { CompileOptions, Destination, Listener } from './types';

/** The Gateway API's part of a table, and the routes' status. */
export interface GatewayApiResult {
  readonly listeners: readonly Listener[];
  readonly statuses: readonly RouteStatus[];
  /** The served Gateways' status (listeners, attached routes). */
  readonly gateways: readonly GatewayStatus[];
}

/** Compiles the commit's Gateway API resources; `istio` are the listeners Istio Gateways already hold (LISTENER_CONFLICT). */
export function compileGatewayApi(resources: readonly Resource[], index: ServiceIndex, istio: readonly Listener[], opts: CompileOptions, out: Diagnostic[]): GatewayApiResult {
  const gateways = resources.filter((r): r is KubernetesGateway => r.kind === 'KubernetesGateway');
  const routes = resources.filter((r): r is L4Route => r.kind === 'TCPRoute' || r.kind === 'TLSRoute')
    .sort((a, b) => a.kind.localeCompare(b.kind) || refOf(a).localeCompare(refOf(b)));
  if (gateways.length === 0 && routes.length === 0) return { listeners: [], statuses: [], gateways: [] };
  const served = servedGateways(gateways, opts, out);
  const sockets = withoutIstioClashes(gatewaySockets(served, opts, out), istio, out);
  const byGateway = new Map<string, GatewaySocket[]>();
  for (const s of sockets) byGateway.set(s.gatewayRef, [...(byGateway.get(s.gatewayRef) ?? []), s]);
  const ctx = { all: new Set(gateways.map(refOf)), served, sockets: byGateway };
  const grants = indexGrants(resources.filter((r): r is ReferenceGrant => r.kind === 'ReferenceGrant'));
  const claims = new Claims(out);
  const statuses: RouteStatus[] = [];
  const attachedTo = new Map<string, Set<string>>();
  for (const route of routes) {
    const backends = resolveBackends(route, index, grants, out);
    const attached = attachRoute(route, ctx, out);
    if (route.spec.parentRefs.length === 0) {
      out.push(diagAt(route, 'spec.parentRefs', Codes.RULE_UNREACHABLE, `spec.parentRefs: ${route.kind} ${refOf(route)} names no Gateway, so it serves nothing`, 'warning'));
    }
    statuses.push({
      kind: route.kind, ref: refOf(route),
      parents: attached.parents.map((p) => ({ parentRef: p.parentRef, controllerName: CONTROLLER_NAME, conditions: [p.accepted, backends.resolvedRefs] })),
    });
    for (const a of attached.attachments) {
      const id = `${a.socket.gatewayRef}|${a.socket.listener.index}`;
      attachedTo.set(id, (attachedTo.get(id) ?? new Set()).add(`${route.kind}/${refOf(route)}`));
    }
    if (backends.destinations) for (const a of attached.attachments) claims.claim(route, a, backends.destinations);
  }
  reportIdle(sockets, claims, out);
  return { listeners: claims.entries(), statuses, gateways: gatewayStatuses(served, attachedTo) };
}

/** Who holds each TCP socket, SNI name and TLS fallback; a second route there is ROUTE_CONFLICT. */
class Claims {
  private readonly owner = new Map<string, { route: L4Route; parent: number }>();
  private readonly listeners = new Map<string, Listener>();
  readonly used = new Set<string>();

  constructor(private readonly out: Diagnostic[]) {}

  claim(route: L4Route, a: Attachment, destinations: readonly Destination[]): void {
    const s = a.socket;
    const socket = socketOf(s);
    const tls = s.listener.protocol === 'TLS';
    const names = !tls ? ['tcp'] : a.sni === undefined ? ['fallback'] : a.sni.map((h) => `sni=${h}`);
    for (const name of names) {
      const prev = this.owner.get(`${socket}|${name}`);
      if (prev && prev.route !== route) {
        const field = `spec.parentRefs[${a.parent.index}]`;
        const what = !tls ? `TCP listener ${socket}` : a.sni === undefined ? `the fallback (no hostname) of TLS listener ${socket}` : `${name.slice(4)} on TLS listener ${socket}`;
        this.out.push(diagAt(route, field, Codes.ROUTE_CONFLICT, `${field}: ${what} is already taken by ${prev.route.kind} ${refOf(prev.route)} (${prev.route.file})`,
          'error', relatedAt(prev.route, `spec.parentRefs[${prev.parent}]`)));
        return;
      }
    }
    for (const name of names) this.owner.set(`${socket}|${name}`, { route, parent: a.parent.index });
    this.used.add(`${s.gatewayRef}|${s.listener.index}`);
    const key = entryKey(s.address, s.port, a.sni);
    if (this.listeners.has(key)) return;
    this.listeners.set(key, {
      key, address: s.address, port: s.port, gateway: s.gatewayRef, portName: s.listener.name,
      route: { virtualService: refOf(route), rule: route.spec.rules[0]?.index ?? 0, kind: route.kind, destinations },
      ...(a.sni !== undefined ? { sni: a.sni } : {}),
      ...(tls ? { tls: true as const } : {}),
    });
  }

  entries(): Listener[] {
    return [...this.listeners.values()];
  }
}

/** LISTENER_NO_ROUTE (warning) for each served listener no route attached to: its port is not opened. */
function reportIdle(sockets: readonly GatewaySocket[], claims: Claims, out: Diagnostic[]): void {
  const told = new Set<string>();
  for (const s of sockets) {
    const id = `${s.gatewayRef}|${s.listener.index}`;
    if (claims.used.has(id) || told.has(id)) continue;
    told.add(id);
    out.push(diagAt(s.gateway, `spec.listeners[${s.listener.index}]`, Codes.LISTENER_NO_ROUTE,
      `spec.listeners[${s.listener.index}]: no ${s.listener.protocol === 'TLS' ? 'TLSRoute' : 'TCPRoute'} attaches to listener ${s.listener.name}; the port is not opened`, 'warning'));
  }
}

/** The table's listeners: Istio's and the Gateway API's, in port, address, key order. */
export function withGatewayApi(istio: readonly Listener[], gatewayApi: GatewayApiResult): Listener[] {
  if (gatewayApi.listeners.length === 0) return [...istio];
  return [...istio, ...gatewayApi.listeners].sort((a, b) => (a.port - b.port) || a.address.localeCompare(b.address) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Each served Gateway's listeners with the number of routes accepted there (Accepted: tcpshift serves its class). */
function gatewayStatuses(served: ReadonlyMap<string, KubernetesGateway>, attachedTo: ReadonlyMap<string, ReadonlySet<string>>): GatewayStatus[] {
  return [...served].map(([ref, gw]) => ({
    ref,
    conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: `class ${gw.spec.gatewayClassName} is served by ${CONTROLLER_NAME}` }],
    listeners: gw.spec.listeners.map((l) => ({
      name: l.name,
      supportedKinds: [{ group: GATEWAY_API_GROUP, kind: ROUTE_KIND_OF[l.protocol] }],
      attachedRoutes: attachedTo.get(`${ref}|${l.index}`)?.size ?? 0,
      conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: `${l.protocol} listener on port ${l.port}` }],
    })),
  }));
}

function refOf(r: Resource): string {
  return `${r.metadata.namespace}/${r.metadata.name}`;
}

