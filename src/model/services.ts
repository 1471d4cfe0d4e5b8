/** Indexes ServiceEntries, Kubernetes Services and DestinationRules by canonical host, reporting clashes. Pure. */
import { Codes, type Diagnostic } from '../errors';
import { diagAt, relatedAt } from '../manifest/locate';
import type { DestinationRule, EndpointSlice, KubeService, ServiceEntry, ServicePort } from '../manifest/types';
import { isIP, unixPath } from './address';
import { entryWorkloads, kubePorts, kubeWorkloads, slicesOf, type Workload, type WorkloadSources } from './backends';

/** Istio's short-name rule: a host without a dot is `<host>.<namespace>.svc.cluster.local`. */
export function canonicalHost(host: string, namespace: string): string {
  const h = host.toLowerCase();
  return h.includes('.') ? h : `${h}.${namespace}.svc.cluster.local`;
}

/**
 * The keys a host may name, most specific first: its canonical form, then the Kubernetes short
 * forms completed (`NAME.NAMESPACE` and `NAME.NAMESPACE.svc` → `….svc.cluster.local`).
 */
export function hostKeys(host: string, namespace: string): string[] {
  const key = canonicalHost(host, namespace);
  const dots = key.split('.').length - 1;
  if (dots === 1) return [key, `${key}.svc.cluster.local`];
  if (dots === 2 && key.endsWith('.svc')) return [key, `${key}.cluster.local`];
  return [key];
}

/** A host as routes see it: who declares it, its ports, and the workloads behind it. */
export interface Service {
  /** The canonical key it is indexed by. */
  readonly key: string;
  /** As shown in the table: the ServiceEntry host as written, or the Service's name (`name.namespace` outside `default`). */
  readonly host: string;
  readonly source: ServiceEntry | KubeService;
  /** Where the host is written in `source`, for diagnostics. */
  readonly hostField: string;
  readonly ports: readonly ServicePort[];
  readonly workloads: readonly Workload[];
}

/** `ServiceEntry tcp-echo` / `Service tcp-echo`, for messages. */
export function describe(s: Service): string {
  return `${s.source.kind} ${s.source.metadata.name}`;
}

/** Services and DestinationRules by canonical host, and the service keys a route used (for SERVICE_NO_ENDPOINTS). */
export interface ServiceIndex {
  readonly services: ReadonlyMap<string, Service>;
  readonly rules: ReadonlyMap<string, DestinationRule>;
  readonly used: Set<string>;
}

/** What the index is built from. */
export interface ServiceInputs extends WorkloadSources {
  readonly serviceEntries: readonly ServiceEntry[];
  readonly kubeServices: readonly KubeService[];
}

/** The service `host` names from a resource of `namespace`, by the short-name rules; undefined when none. */
export function lookupService(index: ServiceIndex, host: string, namespace: string): Service | undefined {
  for (const key of hostKeys(host, namespace)) {
    const s = index.services.get(key);
    if (s) return s;
  }
  return undefined;
}

/** Builds the index; clashes and bad addresses are pushed onto `out`. */
export function indexServices(inputs: ServiceInputs, rules: readonly DestinationRule[], out: Diagnostic[]): ServiceIndex {
  const services = new Map<string, Service>();
  const add = (s: Service): void => {
    const first = services.get(s.key);
    if (first) {
      out.push(diagAt(s.source, s.hostField, Codes.AMBIGUOUS_HOST,
        `${s.hostField}: host ${s.host} is already declared by ${describe(first)}`, 'error', relatedAt(first.source, first.hostField)));
      return;
    }
    services.set(s.key, s);
  };
  for (const svc of inputs.kubeServices) {
    const ns = svc.metadata.namespace;
    const host = ns === 'default' ? svc.metadata.name : `${svc.metadata.name}.${ns}`;
    add({ key: `${svc.metadata.name}.${ns}.svc.cluster.local`, host, source: svc, hostField: 'metadata.name', ports: kubePorts(svc), workloads: kubeWorkloads(svc, inputs) });
  }
  for (const entry of inputs.serviceEntries) {
    entry.spec.hosts.forEach((host, hostIndex) => {
      add({
        key: canonicalHost(host, entry.metadata.namespace), host, source: entry, hostField: `spec.hosts[${hostIndex}]`,
        ports: entry.spec.ports, workloads: entryWorkloads(entry, host, inputs),
      });
    });
    if (entry.spec.resolution === 'STATIC') {
      entry.spec.endpoints.forEach((ep, i) => {
        if (!isIP(ep.address) && unixPath(ep.address) === null) {
          out.push(diagAt(entry, `spec.endpoints[${i}].address`, Codes.FIELD_ADDRESS,
            `spec.endpoints[${i}].address ${JSON.stringify(ep.address)} must be an IP address or unix:///path with resolution STATIC (use resolution DNS for names)`));
        }
      });
    }
  }
  checkSlices(inputs.slices, inputs.kubeServices, out);
  const index = { services, rules: new Map<string, DestinationRule>(), used: new Set<string>() };
  indexRules(index, rules, out);
  return index;
}

function indexRules(index: ServiceIndex & { rules: Map<string, DestinationRule> }, rules: readonly DestinationRule[], out: Diagnostic[]): void {
  for (const rule of rules) {
    const service = lookupService(index, rule.spec.host, rule.metadata.namespace);
    const key = service?.key ?? canonicalHost(rule.spec.host, rule.metadata.namespace);
    const first = index.rules.get(key);
    if (first) {
      out.push(diagAt(rule, 'spec.host', Codes.DUPLICATE_DESTINATION_RULE,
        `spec.host: DestinationRule ${first.metadata.name} already applies to host ${rule.spec.host}`, 'error', relatedAt(first, 'spec.host')));
      continue;
    }
    index.rules.set(key, rule);
    const seen = new Map<string, number>();
    rule.spec.subsets.forEach((s) => {
      const prev = seen.get(s.name);
      if (prev !== undefined) {
        out.push(diagAt(rule, `spec.subsets[${s.index}].name`, Codes.DUPLICATE_SUBSET,
          `spec.subsets[${s.index}].name: subset ${s.name} is already defined at spec.subsets[${prev}]`));
      } else seen.set(s.name, s.index);
    });
    if (!service) {
      out.push(diagAt(rule, 'spec.host', Codes.UNKNOWN_HOST,
        `spec.host: no ServiceEntry or Service declares host ${rule.spec.host}; this DestinationRule has no effect`, 'warning'));
    }
  }
}

/** UNKNOWN_SERVICE (warning) for a slice whose `kubernetes.io/service-name` names no Service of its namespace. */
function checkSlices(slices: readonly EndpointSlice[], kubeServices: readonly KubeService[], out: Diagnostic[]): void {
  const names = new Set(kubeServices.map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
  for (const slice of slices) {
    const name = slice.spec.serviceName;
    if (name === undefined || names.has(`${slice.metadata.namespace}/${name}`)) continue;
    out.push(diagAt(slice, 'metadata.labels', Codes.UNKNOWN_SERVICE,
      `metadata.labels: no Service ${slice.metadata.namespace}/${name} in this commit; these endpoints are not used`, 'warning'));
  }
}

/** SERVICE_NO_ENDPOINTS (warning) for each Service without selector and EndpointSlices that no route used. */
export function reportEmptyServices(index: ServiceIndex, inputs: ServiceInputs, out: Diagnostic[]): void {
  for (const s of index.services.values()) {
    if (s.source.kind !== 'Service' || index.used.has(s.key)) continue;
    const svc = s.source;
    if (svc.spec.selector !== undefined || slicesOf(inputs, svc.metadata.namespace, svc.metadata.name).length > 0) continue;
    out.push(diagAt(svc, 'metadata.name', Codes.SERVICE_NO_ENDPOINTS,
      `metadata.name: Service ${svc.metadata.name} has no selector and no EndpointSlice, so it has no endpoints`, 'warning'));
  }
}
