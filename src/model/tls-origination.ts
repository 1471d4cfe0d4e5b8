/**
 * DestinationRule `tls.mode` other than DISABLE asks for TLS origination, which tcpshift cannot do: an
 * error where a route served here uses it, a warning where nothing tcpshift serves does (Istio's to apply). Pure.
 */
import { Codes, type Diagnostic } from '../errors';
import { diagAt } from '../manifest/locate';
import type { DestinationRule } from '../manifest/types';
import { lookupService, type ServiceIndex } from './services';

/** A destination as a served rule writes it. */
export interface ServedDestination {
  /** Namespace of the VirtualService (short hosts resolve in it). */
  readonly namespace: string;
  readonly host: string;
  readonly subset?: string;
}

/** Where a rule's effective `tls.mode` is written for `subset`: the subset's own, else the rule-wide one. */
function tlsField(dr: DestinationRule, subset: string | undefined): { field: string; mode: string } | undefined {
  const sub = subset === undefined ? undefined : dr.spec.subsets.find((s) => s.name === subset);
  const own = sub?.trafficPolicy?.tlsMode;
  if (sub && own !== undefined) return { field: `spec.subsets[${sub.index}].trafficPolicy.tls.mode`, mode: own };
  const top = dr.spec.trafficPolicy?.tlsMode;
  return top === undefined ? undefined : { field: 'spec.trafficPolicy.tls.mode', mode: top };
}

/** Reports FIELD_UNSUPPORTED for every originating `tls.mode`: an error when `served` uses it, else a warning. */
export function checkTlsOrigination(rules: readonly DestinationRule[], served: readonly ServedDestination[], index: ServiceIndex, out: Diagnostic[]): void {
  const used = new Map<DestinationRule, Set<string>>();
  for (const d of served) {
    const service = lookupService(index, d.host, d.namespace);
    const dr = service && index.rules.get(service.key);
    const at = dr && tlsField(dr, d.subset);
    if (!dr || !at || at.mode === 'DISABLE') continue;
    used.set(dr, (used.get(dr) ?? new Set()).add(at.field));
  }
  for (const dr of rules) {
    const fields = [
      { field: 'spec.trafficPolicy.tls.mode', mode: dr.spec.trafficPolicy?.tlsMode },
      ...dr.spec.subsets.map((s) => ({ field: `spec.subsets[${s.index}].trafficPolicy.tls.mode`, mode: s.trafficPolicy?.tlsMode })),
    ];
    for (const { field, mode } of fields) {
      if (mode === undefined || mode === 'DISABLE') continue;
      const servedHere = used.get(dr)?.has(field) === true;
      out.push(diagAt(dr, field, Codes.FIELD_UNSUPPORTED, servedHere
        ? `${field} ${mode} is not supported: tcpshift does not originate TLS, and a route served here uses this rule (only mode DISABLE)`
        : `${field} ${mode} is not applied: tcpshift does not originate TLS; no route served here uses it, so it is left to Istio`,
      servedHere ? 'error' : 'warning'));
    }
  }
}
