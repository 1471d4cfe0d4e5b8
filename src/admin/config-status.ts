/** The applied manifests of Gateway API resources with the `status` tcpshift judged for the served revision (once per revision). Pure. */
import type { Resource } from '../manifest/types';
import { judgeGatewayApi } from '../model/gateway-api-judge';
import { DEFAULT_COMPILE_OPTIONS, type CompileOptions } from '../model/types';
import type { Applied } from '../reconcile/context';

/** `kind/namespace/name` → the `status` to show. */
type Judged = ReadonlyMap<string, unknown>;
/** Judged once per applied set of resources (a new revision brings a new array; it is never changed in place). */
const judged = new WeakMap<readonly Resource[], Judged>();

/** A function giving each resource's manifest as served: TCPRoutes, TLSRoutes and served Gateways with `status`, other kinds as written. */
export function withRouteStatus(applied: Applied, compile: CompileOptions = DEFAULT_COMPILE_OPTIONS): (r: Resource) => unknown {
  let statuses = judged.get(applied.resources);
  if (!statuses) {
    const j = judgeGatewayApi(applied.resources, compile);
    statuses = new Map<string, unknown>([
      ...j.routes.map((s) => [`${s.kind}/${s.ref}`, { parents: s.parents }] as const),
      ...j.gateways.map((g) => [`KubernetesGateway/${g.ref}`, { conditions: g.conditions, listeners: g.listeners }] as const),
    ]);
    judged.set(applied.resources, statuses);
  }
  const byRef = statuses;
  return (r) => {
    const s = byRef.get(`${r.kind}/${r.metadata.namespace}/${r.metadata.name}`);
    if (s === undefined || typeof r.raw !== 'object' || r.raw === null || Array.isArray(r.raw)) return r.raw;
    return { ...(r.raw as Record<string, unknown>), status: s };
  };
}
