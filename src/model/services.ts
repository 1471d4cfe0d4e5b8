/** Indexes ServiceEntries and DestinationRules by canonical host, reporting clashes. Pure. */
import { Codes, type Diagnostic } from '../errors';
import { diagAt, relatedAt } from '../manifest/locate';
import type { DestinationRule, ServiceEntry } from '../manifest/types';
import { isIP } from './address';

/** Istio's short-name rule: a host without a dot is `<host>.<namespace>.svc.cluster.local`. */
export function canonicalHost(host: string, namespace: string): string {
  const h = host.toLowerCase();
  return h.includes('.') ? h : `${h}.${namespace}.svc.cluster.local`;
}

/** A ServiceEntry host as routes see it. */
export interface Service {
  readonly host: string;
  readonly entry: ServiceEntry;
  readonly hostIndex: number;
}

/** ServiceEntries and DestinationRules by canonical host. */
export interface ServiceIndex {
  readonly services: ReadonlyMap<string, Service>;
  readonly rules: ReadonlyMap<string, DestinationRule>;
}

/** Builds the index; clashes and bad addresses are pushed onto `out`. */
export function indexServices(entries: readonly ServiceEntry[], rules: readonly DestinationRule[], out: Diagnostic[]): ServiceIndex {
  const services = new Map<string, Service>();
  for (const entry of entries) {
    entry.spec.hosts.forEach((host, hostIndex) => {
      const key = canonicalHost(host, entry.metadata.namespace);
      const first = services.get(key);
      if (first) {
        out.push(diagAt(entry, `spec.hosts[${hostIndex}]`, Codes.AMBIGUOUS_HOST,
          `spec.hosts[${hostIndex}]: host ${host} is already declared by ServiceEntry ${first.entry.metadata.name}`,
          'error', relatedAt(first.entry, `spec.hosts[${first.hostIndex}]`)));
        return;
      }
      services.set(key, { host, entry, hostIndex });
    });
    if (entry.spec.resolution === 'STATIC') {
      entry.spec.endpoints.forEach((ep, i) => {
        if (!isIP(ep.address)) {
          out.push(diagAt(entry, `spec.endpoints[${i}].address`, Codes.FIELD_ADDRESS,
            `spec.endpoints[${i}].address ${JSON.stringify(ep.address)} must be an IP address with resolution STATIC (use resolution DNS for names)`));
        }
      });
    }
  }
  const byHost = new Map<string, DestinationRule>();
  for (const rule of rules) {
    const key = canonicalHost(rule.spec.host, rule.metadata.namespace);
    const first = byHost.get(key);
    if (first) {
      out.push(diagAt(rule, 'spec.host', Codes.DUPLICATE_DESTINATION_RULE,
        `spec.host: DestinationRule ${first.metadata.name} already applies to host ${rule.spec.host}`, 'error', relatedAt(first, 'spec.host')));
      continue;
    }
    byHost.set(key, rule);
    const seen = new Map<string, number>();
    rule.spec.subsets.forEach((s) => {
      const prev = seen.get(s.name);
      if (prev !== undefined) {
        out.push(diagAt(rule, `spec.subsets[${s.index}].name`, Codes.DUPLICATE_SUBSET,
          `spec.subsets[${s.index}].name: subset ${s.name} is already defined at spec.subsets[${prev}]`));
      } else seen.set(s.name, s.index);
    });
    if (!services.has(key)) {
      out.push(diagAt(rule, 'spec.host', Codes.UNKNOWN_HOST,
        `spec.host: no ServiceEntry declares host ${rule.spec.host}; this DestinationRule has no effect`, 'warning'));
    }
  }
  return { services, rules: byHost };
}
