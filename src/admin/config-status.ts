/** The applied manifests of TCPRoutes and TLSRoutes with the `status` tcpshift judged for the served revision (once per revision). Pure. */
import type { Resource } from '../manifest/types';
import { routeStatuses } from '../model/gateway-api-judge';
import type { RouteStatus } from '../model/gateway-api-status';
import { DEFAULT_COMPILE_OPTIONS, type CompileOptions } from '../model/types';
import type { Applied } from '../reconcile/context';

/** Judged once per applied set of resources (a new revision brings a new array; it is never changed in place). */
const judged = new WeakMap<readonly Resource[], ReadonlyMap<string, RouteStatus>>();

/** A function giving each resource's manifest as served: routes with `status.parents[]`, every other kind as written. */
export function withRouteStatus(applied: Applied, compile: CompileOptions = DEFAULT_COMPILE_OPTIONS): (r: Resource) => unknown {
  let byRoute = judged.get(applied.resources);
  if (!byRoute) {
    byRoute = new Map(routeStatuses(applied.resources, compile).map((s) => [`${s.kind}/${s.ref}`, s]));
    judged.set(applied.resources, byRoute);
  }
  const statuses = byRoute;
  return (r) => {
    if (r.kind !== 'TCPRoute' && r.kind !== 'TLSRoute') return r.raw;
    const s = statuses.get(`${r.kind}/${r.metadata.namespace}/${r.metadata.name}`);
    if (!s || typeof r.raw !== 'object' || r.raw === null || Array.isArray(r.raw)) return r.raw;
    return { ...(r.raw as Record<string, unknown>), status: { parents: s.parents } };
  };
}
