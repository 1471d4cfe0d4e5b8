/** Resources → one deeply frozen RoutingTable, or every semantic error at once. Pure. */
import { Codes, type Diagnostic } from '../errors';
import { gatewayRefError, resolveGatewayRef } from '../manifest/istio-names';
import { diagAt, relatedAt } from '../manifest/locate';
import type { DestinationRule, EndpointSlice, Gateway, KubeService, Resource, ServiceEntry, TcpRoute, VirtualService, WorkloadEntryResource } from '../manifest/types';
import { resolveRoute } from './destinations';
import { deepFreeze } from './freeze';
import { compileGatewayApi, withGatewayApi } from './gateway-api';
import { gatewayListeners, type ListenerCandidate } from './listeners';
import { bindTlsRoutes, compileTlsRules, type GatewayResolver } from './tls-routes';
import { indexServices, reportEmptyServices, type ServiceInputs } from './services';
import { compilePolicies } from '../rollout/compile-policy';
import { connectionsFor } from '../rollout/connections';
import { checkTlsOrigination, type ServedDestination } from './tls-origination';
import { withConnectionPolicies } from './connections';
import type { CompileOptions, Destination, Listener, RoutingTable } from './types';

/** A table, or the reasons there is none. Warnings ride along either way. */
export type CompileResult =
  | { readonly ok: true; readonly table: RoutingTable; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Compiles resources into a frozen RoutingTable; `ok: false` with every error when anything is invalid. */
export function compile(resources: readonly Resource[], opts: CompileOptions): CompileResult {
  const out: Diagnostic[] = [];
  const unique = dropDuplicates(resources, out);
  const of = <K extends Resource['kind']>(k: K) => unique.filter((r): r is Extract<Resource, { kind: K }> => r.kind === k);
  const inputs: ServiceInputs = {
    serviceEntries: of('ServiceEntry') as ServiceEntry[], kubeServices: of('Service') as KubeService[],
    entries: of('WorkloadEntry') as WorkloadEntryResource[], slices: of('EndpointSlice') as EndpointSlice[],
  };
  const index = indexServices(inputs, of('DestinationRule') as DestinationRule[], out);
  const gateways = of('Gateway') as Gateway[];
  const candidates = gatewayListeners(gateways, opts, out);
  const known = new Set(gateways.map((g) => `${g.metadata.namespace}/${g.metadata.name}`));
  const vss = of('VirtualService') as VirtualService[];
  const rules = compileRules(vss, known, index, out);
  // TLS passthrough servers: their SNI entries first (src/model/tls-routes.ts); a tcp rule is the socket's fallback.
  const resolve: GatewayResolver = (vs, names, field, o) => resolveGateways(vs, names, field, known, o);
  const tls = bindTlsRoutes(candidates, compileTlsRules(sortByRef(vss), resolve, index, out), out);
  const listeners = bindRoutes(candidates, rules, out, tls);
  const gatewayApi = compileGatewayApi(unique, index, listeners, opts, out);
  checkTlsOrigination(of('DestinationRule') as DestinationRule[], servedDestinations(rules), index, out);
  reportEmptyServices(index, inputs, out);
  const rollouts = compilePolicies(unique, out);
  if (out.some((d) => d.severity === 'error')) return { ok: false, diagnostics: out };
  // A RolloutPolicy's `connections`/`stickiness` travel with the routes it governs (the proxy reads them per listener).
  const governed = rollouts.length > 0 ? withConnectionPolicies({ listeners }, (l) => connectionsFor(rollouts, l.route.virtualService)).listeners : listeners;
  return { ok: true, table: deepFreeze({ listeners: withGatewayApi(governed, gatewayApi), ...(rollouts.length > 0 ? { rollouts } : {}) }), diagnostics: out };
}

/** The destinations of the rules some listener takes (weight 0 included: a rollout may shift to them). */
function servedDestinations(rules: readonly CompiledRule[]): ServedDestination[] {
  return rules.filter((r) => r.used).flatMap((r) => r.rule.route.map((rd) => ({
    namespace: r.vs.metadata.namespace, host: rd.destination.host, ...(rd.destination.subset !== undefined ? { subset: rd.destination.subset } : {}),
  })));
}

/** Each (kind, namespace, name) once; later copies are DUPLICATE_RESOURCE naming the first file. */
function dropDuplicates(resources: readonly Resource[], out: Diagnostic[]): Resource[] {
  const first = new Map<string, Resource>();
  for (const r of resources) {
    const id = `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
    const prev = first.get(id);
    if (prev) {
      out.push(diagAt(r, 'metadata.name', Codes.DUPLICATE_RESOURCE,
        `metadata.name: ${r.kind} ${r.metadata.namespace}/${r.metadata.name} is also defined in ${prev.file}:${prev.line}`,
        'error', relatedAt(prev, 'metadata.name')));
    } else first.set(id, r);
  }
  return [...first.values()];
}

interface CompiledRule {
  readonly vs: VirtualService;
  readonly rule: TcpRoute;
  readonly ref: string;
  /** Per match block (or one entry for "match all"): the gateways and port it accepts. */
  readonly accepts: readonly { readonly gateways: readonly string[]; readonly port?: number }[];
  readonly destinations: readonly Destination[] | null;
  used: boolean;
}

/** Resolves every VirtualService rule (all are validated, used or not), in namespace/name order. */
function compileRules(vss: readonly VirtualService[], known: ReadonlySet<string>, index: ReturnType<typeof indexServices>, out: Diagnostic[]): CompiledRule[] {
  const sorted = sortByRef(vss);
  const rules: CompiledRule[] = [];
  for (const vs of sorted) {
    const gws = resolveGateways(vs, vs.spec.gateways, 'spec.gateways', known, out);
    for (const rule of vs.spec.tcp) {
      const accepts = rule.match.length === 0
        ? [{ gateways: gws }]
        : rule.match.map((m, i) => ({
          gateways: m.gateways && m.gateways.length > 0
            ? resolveGateways(vs, m.gateways, `spec.tcp[${rule.index}].match[${i}].gateways`, known, out) : gws,
          ...(m.port !== undefined ? { port: m.port } : {}),
        }));
      // A rule for the mesh only is never served here: what it names is Istio's to check, so only warned about.
      const meshOnly = accepts.every((a) => a.gateways.length === 0);
      const destinations = meshOnly ? asWarnings(out, (o) => resolveRoute(vs, rule, index, o)) : resolveRoute(vs, rule, index, out);
      rules.push({ vs, rule, ref: ref(vs), accepts, destinations, used: false });
    }
  }
  return rules;
}

/**
 * `namespace/name` refs of the gateways listed at `field` (Istio's resolveGatewayName: short, `ns/name` or
 * the legacy `name.ns…`); `mesh` and names the reader refused are dropped. An unknown one is an error,
 * or a warning when the VirtualService has no rule tcpshift serves (no tcp or tls rule: only http routes, say).
 */
function resolveGateways(vs: VirtualService, names: readonly string[], field: string, known: ReadonlySet<string>, out: Diagnostic[]): string[] {
  const refs: string[] = [];
  names.forEach((name, i) => {
    if (name === 'mesh' || gatewayRefError(name).error !== null) return;
    const r = resolveGatewayRef(name, vs.metadata.namespace);
    if (!known.has(r)) {
      out.push(diagAt(vs, `${field}[${i}]`, Codes.UNKNOWN_GATEWAY, `${field}[${i}]: no Gateway ${r} in this commit`,
        vs.spec.tcp.length > 0 || (vs.spec.tls?.length ?? 0) > 0 ? 'error' : 'warning'));
    }
    refs.push(r);
  });
  return refs;
}

/** Codes about what a route names (not how it is written): for a rule never served here, warnings. */
const LOOKUP_CODES: ReadonlySet<string> = new Set([
  Codes.UNKNOWN_HOST, Codes.UNKNOWN_SUBSET, Codes.EMPTY_SUBSET, Codes.UNKNOWN_PORT, Codes.PORT_REQUIRED, Codes.DUPLICATE_DESTINATION,
]);

/** Runs `f` and adds what it reported to `out`, lookup errors as warnings; returns its result only when no error is left. */
function asWarnings<T>(out: Diagnostic[], f: (o: Diagnostic[]) => T | null): T | null {
  const found: Diagnostic[] = [];
  const result = f(found);
  const softened = found.map((d) => (d.severity === 'error' && LOOKUP_CODES.has(d.code) ? { ...d, severity: 'warning' as const } : d));
  out.push(...softened);
  return softened.some((d) => d.severity === 'error') ? null : result;
}

/**
 * Gives each listener the first rule that matches it; unmatched listeners and unused rules are warnings.
 * A passthrough socket (a key of `tls`) has its SNI entries, and the first matching tcp rule as its
 * fallback entry unless a tls rule with sniHosts `*` already is; without a tls entry it is not opened.
 */
function bindRoutes(candidates: readonly ListenerCandidate[], rules: CompiledRule[], out: Diagnostic[], tls: ReadonlyMap<string, readonly Listener[]>): Listener[] {
  const index = indexRules(rules);
  const listeners: Listener[] = [];
  for (const c of candidates) {
    const sni = tls.get(c.key);
    if (sni?.length === 0) {
      // As Istio's gateway: a passthrough server is served by its tls rules; a tcp rule alone does not open it.
      out.push(diagAt(c.gateway, `spec.servers[${c.server.index}]`, Codes.LISTENER_NO_ROUTE,
        `spec.servers[${c.server.index}]: no VirtualService tls rule matches the TLS passthrough server ${c.key}; the port is not opened`, 'warning'));
      continue;
    }
    if (sni) listeners.push(...sni);
    const exact = index.get(`${c.gatewayRef}|${c.port}`)?.[0];
    const any = index.get(`${c.gatewayRef}|*`)?.[0];
    const hit = sni?.some((e) => e.sni === undefined) ? undefined : exact && any ? (exact.order < any.order ? exact : any) : exact ?? any;
    if (!hit) {
      if (!sni) {
        out.push(diagAt(c.gateway, `spec.servers[${c.server.index}]`, Codes.LISTENER_NO_ROUTE,
          `spec.servers[${c.server.index}]: no VirtualService tcp rule matches ${c.key}; the port is not opened`, 'warning'));
      }
      continue;
    }
    hit.rule.used = true;
    if (!hit.rule.destinations) continue;
    listeners.push({
      key: c.key, address: c.address, port: c.port, gateway: c.gatewayRef, portName: c.server.port.name,
      route: { virtualService: hit.rule.ref, rule: hit.rule.rule.index, destinations: hit.rule.destinations },
      ...(sni ? { tls: true as const } : {}),
      ...(c.gateway.spec.acceptProxyProtocol ? { acceptProxyProtocol: true as const } : {}),
    });
  }
  for (const r of rules) {
    if (!r.used) {
      out.push(diagAt(r.vs, `spec.tcp[${r.rule.index}]`, Codes.RULE_UNREACHABLE,
        `spec.tcp[${r.rule.index}] of VirtualService ${r.ref} matches no listener of this proxy (an earlier rule or no Gateway server takes its traffic)`, 'warning'));
    }
  }
  return listeners.sort((a, b) => (a.port - b.port) || a.address.localeCompare(b.address) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Rules by `gateway|port` (or `gateway|*` for blocks without a port), each list in rule order, so a
 * listener finds its first matching rule in two lookups instead of a scan of every rule.
 */
function indexRules(rules: readonly CompiledRule[]): Map<string, { rule: CompiledRule; order: number }[]> {
  const index = new Map<string, { rule: CompiledRule; order: number }[]>();
  rules.forEach((rule, order) => {
    for (const a of rule.accepts) {
      for (const gw of a.gateways) {
        const key = `${gw}|${a.port ?? '*'}`;
        const list = index.get(key) ?? [];
        if (list[list.length - 1]?.rule !== rule) list.push({ rule, order });
        index.set(key, list);
      }
    }
  });
  return index;
}

function sortByRef(vss: readonly VirtualService[]): VirtualService[] {
  return [...vss].sort((a, b) => ref(a).localeCompare(ref(b)));
}

function ref(r: Resource): string {
  return `${r.metadata.namespace}/${r.metadata.name}`;
}
