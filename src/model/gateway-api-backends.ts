/**
 * A TCPRoute's or TLSRoute's backendRefs → weighted Destinations (Kubernetes Services and the workloads
 * their selectors pick), with ReferenceGrant checks across namespaces. Pure.
 */
import { Codes, type Diagnostic } from '../errors';
import { diagAt } from '../manifest/locate';
import { GATEWAY_API_GROUP, type BackendRef } from '../manifest/gateway-api-types';
import type { ReferenceGrant, TCPRouteResource, TLSRouteResource } from '../manifest/types';
import { selectEndpoints } from './destinations';
import { condition, type ResolvedRefsReason, type RouteCondition } from './gateway-api-status';
import { ownValue } from './own';
import { effectivePolicy } from './policy';
import type { ServiceIndex } from './services';
import type { Destination } from './types';

/** A route of either kind. */
export type L4Route = TCPRouteResource | TLSRouteResource;

/** What a route's backends resolved to: its destinations (null when any is invalid), and the ResolvedRefs condition. */
export interface ResolvedBackends {
  readonly destinations: readonly Destination[] | null;
  readonly resolvedRefs: RouteCondition;
}

/** ReferenceGrants by the namespace they live in (the namespace they open). */
export type GrantIndex = ReadonlyMap<string, readonly ReferenceGrant[]>;

/** Indexes the ReferenceGrants by namespace. */
export function indexGrants(grants: readonly ReferenceGrant[]): GrantIndex {
  const byNs = new Map<string, ReferenceGrant[]>();
  for (const g of grants) byNs.set(g.metadata.namespace, [...(byNs.get(g.metadata.namespace) ?? []), g]);
  return byNs;
}

/** True when a ReferenceGrant in `toNs` lets `kind` routes of `fromNs` refer to Service `name`. */
export function referencePermitted(grants: GrantIndex, kind: L4Route['kind'], fromNs: string, toNs: string, name: string): boolean {
  return (grants.get(toNs) ?? []).some((g) =>
    g.spec.from.some((f) => f.group === GATEWAY_API_GROUP && f.kind === kind && f.namespace === fromNs)
    && g.spec.to.some((t) => t.group === '' && t.kind === 'Service' && (t.name === undefined || t.name === name)));
}

/** Resolves the first rule's backendRefs (the reader rejects more rules); every problem is pushed onto `out`. */
export function resolveBackends(route: L4Route, index: ServiceIndex, grants: GrantIndex, out: Diagnostic[]): ResolvedBackends {
  const rule = route.spec.rules[0];
  if (!rule || rule.backendRefs.length === 0) {
    return { destinations: null, resolvedRefs: condition('ResolvedRefs', 'BackendNotFound', 'the route has no backendRefs') };
  }
  const base = `spec.rules[${rule.index}].backendRefs`;
  const before = out.length;
  let reason: ResolvedRefsReason = 'ResolvedRefs';
  let message = 'every backendRef resolved';
  const fail = (r: ResolvedRefsReason, d: Diagnostic): null => {
    out.push(d);
    if (reason === 'ResolvedRefs') { reason = r; message = d.message; }
    return null;
  };
  const total = rule.backendRefs.reduce((sum, b) => sum + b.weight, 0);
  if (total === 0) {
    out.push(diagAt(route, base, Codes.WEIGHT_ZERO_TOTAL, `${base}: the weights add up to 0, so no backend would get any connection`));
  }
  const seen = new Set<string>();
  const dests: Destination[] = [];
  for (const b of rule.backendRefs) {
    const d = resolveOne(route, `${base}[${b.index}]`, b, total, index, grants, fail, out);
    if (!d) continue;
    if (seen.has(d.key)) {
      out.push(diagAt(route, `${base}[${b.index}]`, Codes.DUPLICATE_DESTINATION, `${base}[${b.index}]: Service ${d.host} port ${d.port} is listed twice in this rule`));
      continue;
    }
    seen.add(d.key);
    dests.push(d);
  }
  const failed = out.slice(before).some((d) => d.severity === 'error');
  return { destinations: failed ? null : dests, resolvedRefs: condition('ResolvedRefs', reason, message) };
}

type Fail = (reason: ResolvedRefsReason, d: Diagnostic) => null;

function resolveOne(
  route: L4Route, field: string, b: BackendRef, total: number, index: ServiceIndex, grants: GrantIndex, fail: Fail, out: Diagnostic[],
): Destination | null {
  if (b.group !== '' || b.kind !== 'Service') {
    const what = `${b.group === '' ? '' : `${b.group}/`}${b.kind}`;
    return fail('InvalidKind', diagAt(route, `${field}.kind`, Codes.INVALID_BACKEND_KIND, `${field}.kind: a backend must be a Service (core group), got ${what}`));
  }
  const ns = b.namespace ?? route.metadata.namespace;
  if (ns !== route.metadata.namespace && !referencePermitted(grants, route.kind, route.metadata.namespace, ns, b.name)) {
    return fail('RefNotPermitted', diagAt(route, `${field}.namespace`, Codes.REF_NOT_PERMITTED,
      `${field}.namespace: no ReferenceGrant in namespace ${ns} lets ${route.kind}s of namespace ${route.metadata.namespace} refer to Service ${b.name}`));
  }
  const service = index.services.get(`${b.name}.${ns}.svc.cluster.local`);
  if (!service || service.source.kind !== 'Service') {
    return fail('BackendNotFound', diagAt(route, `${field}.name`, Codes.BACKEND_NOT_FOUND, `${field}.name: no Service ${ns}/${b.name} in this commit`));
  }
  index.used.add(service.key);
  if (b.port === undefined) return null;
  const port = service.ports.find((p) => p.number === b.port);
  if (!port) {
    out.push(diagAt(route, `${field}.port`, Codes.UNKNOWN_PORT,
      `${field}.port: Service ${ns}/${b.name} has no port ${b.port} (it has ${service.ports.map((p) => p.number).join(', ') || 'none'})`));
    return null;
  }
  const endpoints = selectEndpoints(service, port, {});
  if (endpoints.length === 0) {
    out.push(diagAt(route, `${field}.name`, Codes.EMPTY_SUBSET,
      `${field}: Service ${ns}/${b.name} selects no endpoint serving port ${b.port}`, b.weight > 0 ? 'error' : 'warning'));
    if (b.weight > 0) return null;
  }
  // The version label the metric carries: the selected workloads' `version` when they agree, else the Service's name.
  const versions = new Set(endpoints.map((e) => ownValue(e.labels, 'version') ?? ''));
  const only = versions.size === 1 ? [...versions][0] : undefined;
  return {
    key: `${service.host}||${port.number}`,
    host: service.host,
    subset: null,
    port: port.number,
    weight: b.weight,
    percent: total > 0 ? Math.round((b.weight / total) * 10_000) / 100 : 0,
    service: service.host,
    version: only !== undefined && only !== '' ? only : service.source.metadata.name,
    policy: effectivePolicy(index.rules.get(service.key)?.spec.trafficPolicy),
    endpoints,
  };
}
