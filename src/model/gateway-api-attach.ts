/**
 * Where a TCPRoute or TLSRoute attaches: each parentRef judged against its Gateway's listeners
 * (sectionName, port, allowedRoutes kinds and namespaces, TLS hostnames), as the Gateway API's
 * `Accepted` condition says. Pure.
 */
import { Codes, type Diagnostic } from '../errors';
import { ROUTE_KIND_OF } from '../manifest/gateway-api';
import { GATEWAY_API_GROUP, type GatewayListener, type ParentRef } from '../manifest/gateway-api-types';
import { diagAt } from '../manifest/locate';
import type { KubernetesGateway } from '../manifest/types';
import type { L4Route } from './gateway-api-backends';
import type { GatewaySocket } from './gateway-api-listeners';
import { condition, type AcceptedReason, type RouteParentStatus } from './gateway-api-status';

/** One socket a route serves, and (TLS) the SNI names it takes there; no `sni` = the socket's fallback. */
export interface Attachment {
  readonly socket: GatewaySocket;
  readonly parent: ParentRef;
  readonly sni?: readonly string[];
}

/** What the Gateways make of a route's parentRefs. */
export interface AttachResult {
  readonly attachments: readonly Attachment[];
  /** One per parentRef this proxy judges (parents of another class are not ours to judge); ResolvedRefs is added by the caller. */
  readonly parents: readonly { readonly parentRef: RouteParentStatus['parentRef']; readonly accepted: ReturnType<typeof condition> }[];
}

/** What `attachRoute` looks Gateways up in. */
export interface AttachContext {
  /** Every Gateway API Gateway of the commit, served or not, by `namespace/name`. */
  readonly all: ReadonlySet<string>;
  readonly served: ReadonlyMap<string, KubernetesGateway>;
  /** The sockets of the served Gateways, by `namespace/name`. */
  readonly sockets: ReadonlyMap<string, readonly GatewaySocket[]>;
}

/** Judges every parentRef of `route`; errors and warnings are pushed onto `out`. */
export function attachRoute(route: L4Route, ctx: AttachContext, out: Diagnostic[]): AttachResult {
  const ns = route.metadata.namespace;
  const attachments: Attachment[] = [];
  const parents: AttachResult['parents'][number][] = [];
  for (const p of route.spec.parentRefs) {
    const field = `spec.parentRefs[${p.index}]`;
    const gwRef = `${p.namespace ?? ns}/${p.name}`;
    const parentRef = { group: GATEWAY_API_GROUP, kind: 'Gateway', namespace: p.namespace ?? ns, name: p.name,
      ...(p.sectionName !== undefined ? { sectionName: p.sectionName } : {}), ...(p.port !== undefined ? { port: p.port } : {}) };
    const judged = (reason: AcceptedReason, message: string) => parents.push({ parentRef, accepted: condition('Accepted', reason, message) });
    if (!ctx.all.has(gwRef)) {
      out.push(diagAt(route, `${field}.name`, Codes.UNKNOWN_GATEWAY, `${field}.name: no Gateway ${gwRef} (gateway.networking.k8s.io) in this commit`));
      judged('NoMatchingParent', `no Gateway ${gwRef}`);
      continue;
    }
    const gw = ctx.served.get(gwRef);
    if (!gw) continue;
    const named = gw.spec.listenerNames.filter((l) => (p.sectionName === undefined || l.name === p.sectionName) && (p.port === undefined || l.port === p.port));
    if (named.length === 0) {
      const at = p.sectionName !== undefined ? `${field}.sectionName` : p.port !== undefined ? `${field}.port` : field;
      const what = [p.sectionName !== undefined ? `named ${p.sectionName}` : '', p.port !== undefined ? `on port ${p.port}` : ''].filter((s) => s).join(' ');
      const msg = `Gateway ${gwRef} has no listener ${what || '(it has none)'}`;
      out.push(diagAt(route, at, Codes.NO_MATCHING_PARENT, `${at}: ${msg}`));
      judged('NoMatchingParent', msg);
      continue;
    }
    const indexes = new Set(named.map((l) => l.index));
    const candidates = gw.spec.listeners.filter((l) => indexes.has(l.index));
    const allowed = candidates.filter((l) => kindAllowed(l, route.kind) && (l.namespaces === 'All' || gw.metadata.namespace === ns));
    if (allowed.length === 0) {
      const msg = `no listener of Gateway ${gwRef} ${p.sectionName ? `named ${p.sectionName} ` : ''}accepts a ${route.kind} from namespace ${ns} (allowedRoutes: kinds, namespaces, or the protocol)`;
      out.push(diagAt(route, field, Codes.NOT_ALLOWED_BY_LISTENERS, `${field}: ${msg}; the route is not attached there`, 'warning'));
      judged('NotAllowedByListeners', msg);
      continue;
    }
    const sniOf = allowed.map((l) => ({ l, sni: route.kind === 'TLSRoute' ? effectiveHostnames(route.spec.hostnames, l.hostname) : undefined }));
    const matching = sniOf.filter((x) => x.sni === undefined || x.sni === 'fallback' || x.sni.length > 0);
    if (matching.length === 0) {
      const msg = `the hostnames ${route.spec.hostnames.join(', ')} meet no listener hostname of Gateway ${gwRef}`;
      out.push(diagAt(route, 'spec.hostnames', Codes.NO_MATCHING_LISTENER_HOSTNAME, `spec.hostnames: ${msg}; the route is not attached there`, 'warning'));
      judged('NoMatchingListenerHostname', msg);
      continue;
    }
    judged('Accepted', `attached to ${matching.map((x) => x.l.name).join(', ')} of Gateway ${gwRef}`);
    for (const { l, sni } of matching) {
      for (const socket of ctx.sockets.get(gwRef) ?? []) {
        if (socket.listener.index !== l.index) continue;
        attachments.push(sni === undefined || sni === 'fallback' ? { socket, parent: p } : { socket, parent: p, sni });
      }
    }
  }
  return { attachments, parents };
}

function kindAllowed(l: GatewayListener, kind: L4Route['kind']): boolean {
  return (l.kinds ?? [ROUTE_KIND_OF[l.protocol]]).includes(kind) && ROUTE_KIND_OF[l.protocol] === kind;
}

/**
 * A TLSRoute's SNI names on a listener: the route's hostnames that meet the listener's (the more
 * specific of the two), the listener's own when the route has none, or `fallback` when neither has any.
 */
export function effectiveHostnames(route: readonly string[], listener: string | undefined): string[] | 'fallback' {
  if (route.length === 0) return listener === undefined ? 'fallback' : [listener];
  if (listener === undefined) return [...route];
  const out: string[] = [];
  for (const h of route) {
    const met = h === listener || covers(listener, h) ? h : covers(h, listener) ? listener : undefined;
    if (met !== undefined && !out.includes(met)) out.push(met);
  }
  return out;
}

/** True when wildcard `w` (`*.example.com`) covers `name` (one or more labels before the suffix; a narrower wildcard too). */
function covers(w: string, name: string): boolean {
  if (!w.startsWith('*.')) return false;
  const suffix = w.slice(1);
  return name.length > suffix.length && name.endsWith(suffix) && name !== w;
}
