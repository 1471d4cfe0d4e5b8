/**
 * VirtualService `tls[]` rules → the SNI entries of TLS passthrough sockets. Pure.
 *
 * As Istio's gateway does (buildGatewayNetworkFiltersFromTLSRoutes): a VirtualService binds to a
 * passthrough server when its hosts overlap the server's hosts (namespace prefix included); its tls
 * rules' matches are taken in order (VirtualServices in namespace/name order) when their `port` and
 * `gateways` fit the server; a match repeating an SNI name already taken on the socket is skipped
 * whole. One entry per rule per socket, keyed `entryKey(address, port, sni)`; `*` (which Istio turns
 * into "no SNI match") makes the rule the socket's fallback entry.
 */
import { Codes, type Diagnostic } from '../errors';
import { serverAdmits } from '../manifest/hostnames';
import { diagAt, relatedAt } from '../manifest/locate';
import type { TlsMatch, TlsRoute, VirtualService } from '../manifest/types';
import { entryKey } from './address';
import { resolveRoute } from './destinations';
import type { ListenerCandidate } from './listeners';
import type { ServiceIndex } from './services';
import type { Destination, Listener } from './types';

/** Resolves `names` (a VirtualService's or a match's gateways) to `namespace/name` refs, reporting unknown ones onto `out`. */
export type GatewayResolver = (vs: VirtualService, names: readonly string[], field: string, out: Diagnostic[]) => string[];

/** One tls rule, resolved: its matches with the gateways they accept, and its destinations (null when invalid). */
export interface CompiledTlsRule {
  readonly vs: VirtualService;
  readonly rule: TlsRoute;
  readonly ref: string;
  readonly matches: readonly { readonly match: TlsMatch; readonly gateways: readonly string[] }[];
  readonly destinations: readonly Destination[] | null;
  used: boolean;
}

/** Every VirtualService's tls rules (validated whether used or not), VirtualServices in namespace/name order. */
export function compileTlsRules(sorted: readonly VirtualService[], resolve: GatewayResolver, index: ServiceIndex, out: Diagnostic[]): CompiledTlsRule[] {
  const rules: CompiledTlsRule[] = [];
  for (const vs of sorted) {
    const tls = vs.spec.tls ?? [];
    if (tls.length === 0) continue;
    // spec.gateways was already reported by the tcp rules' pass; resolve it again quietly.
    const gws = resolve(vs, vs.spec.gateways, 'spec.gateways', []);
    for (const rule of tls) {
      const matches = rule.match.map((match) => ({
        match,
        gateways: match.gateways && match.gateways.length > 0
          ? resolve(vs, match.gateways, `spec.tls[${rule.index}].match[${match.index}].gateways`, out) : gws,
      }));
      const ref = `${vs.metadata.namespace}/${vs.metadata.name}`;
      rules.push({ vs, rule, ref, matches, destinations: resolveRoute(vs, rule, index, out, 'tls'), used: false });
    }
  }
  return rules;
}

/** Where an SNI name of a socket was taken: by which rule, at which field. */
interface Taken {
  readonly rule: CompiledTlsRule;
  readonly field: string;
}

/**
 * The SNI entries of each passthrough socket, by socket key (a candidate's key); unused rules are
 * RULE_UNREACHABLE warnings. An entry without `sni` is the socket's fallback (a rule with `*`).
 */
export function bindTlsRoutes(candidates: readonly ListenerCandidate[], rules: readonly CompiledTlsRule[], out: Diagnostic[]): Map<string, Listener[]> {
  const bySocket = new Map<string, Listener[]>();
  for (const c of candidates) {
    if (c.server.passthrough !== true) continue;
    bySocket.set(c.key, socketEntries(c, rules, out));
  }
  for (const r of rules) {
    if (r.used) continue;
    out.push(diagAt(r.vs, `spec.tls[${r.rule.index}]`, Codes.RULE_UNREACHABLE,
      `spec.tls[${r.rule.index}] of VirtualService ${r.ref} matches no TLS passthrough server of this proxy (no server with tls.mode PASSTHROUGH on its gateways, ports and hosts, or its SNI names are taken)`, 'warning'));
  }
  return bySocket;
}

function socketEntries(c: ListenerCandidate, rules: readonly CompiledTlsRule[], out: Diagnostic[]): Listener[] {
  const taken = new Map<string, Taken>();
  const names = new Map<CompiledTlsRule, string[]>();
  for (const rule of rules) {
    if (!serverAdmits(c.server.hosts, c.gateway.metadata.namespace, rule.vs.metadata.namespace, rule.vs.spec.hosts)) continue;
    for (const { match, gateways } of rule.matches) {
      if (!gateways.includes(c.gatewayRef) || (match.port !== undefined && match.port !== c.port)) continue;
      const field = `spec.tls[${rule.rule.index}].match[${match.index}].sniHosts`;
      const hosts = [...new Set(match.sniHosts)];
      if (reportTaken(c, rule, field, hosts, taken, out)) continue;
      for (const h of hosts) taken.set(h, { rule, field });
      rule.used = true;
      names.set(rule, [...(names.get(rule) ?? []), ...hosts]);
    }
  }
  const entries: Listener[] = [];
  for (const [rule, sni] of names) {
    if (!rule.destinations) continue;
    const named = sni.filter((h) => h !== '*');
    const base = {
      address: c.address, port: c.port, gateway: c.gatewayRef, portName: c.server.port.name,
      route: { virtualService: rule.ref, rule: rule.rule.index, section: 'tls' as const, destinations: rule.destinations },
      tls: true as const,
      ...(c.gateway.spec.acceptProxyProtocol ? { acceptProxyProtocol: true as const } : {}),
    };
    if (named.length > 0) entries.push({ key: entryKey(c.address, c.port, named), ...base, sni: named });
    if (named.length < sni.length) entries.push({ key: entryKey(c.address, c.port), ...base });
  }
  return entries;
}

/**
 * True (and reported) when a name of `hosts` is already taken on the socket: by the same VirtualService
 * SNI_DUPLICATE (a warning; Istio skips the match), by another SNI_CONFLICT (an error naming the first).
 */
function reportTaken(c: ListenerCandidate, rule: CompiledTlsRule, field: string, hosts: readonly string[], taken: ReadonlyMap<string, Taken>, out: Diagnostic[]): boolean {
  let clash = false;
  for (const h of hosts) {
    const first = taken.get(h);
    if (!first) continue;
    clash = true;
    const i = rule.matches.find((m) => `spec.tls[${rule.rule.index}].match[${m.match.index}].sniHosts` === field)?.match.sniHosts.indexOf(h) ?? -1;
    const at = i >= 0 ? `${field}[${i}]` : field;
    const what = h === '*' ? 'the fallback (*)' : `SNI name ${h}`;
    if (first.rule.vs === rule.vs) {
      out.push(diagAt(rule.vs, at, Codes.SNI_DUPLICATE,
        `${at}: ${what} on ${c.key} is already taken by ${first.field} of this VirtualService; this match is skipped, as Istio does`, 'warning'));
    } else {
      out.push(diagAt(rule.vs, at, Codes.SNI_CONFLICT,
        `${at}: ${what} on ${c.key} (Gateway ${c.gatewayRef}) is also claimed by VirtualService ${first.rule.ref} (${first.field}); one name, one route: remove it from one of them`,
        'error', relatedAt(first.rule.vs, first.field)));
    }
  }
  return clash;
}
