/**
 * Every kind that says where a service's workloads are, in one form: a ServiceEntry's endpoints or
 * workloadSelector, a Kubernetes Service's selector over WorkloadEntries, and EndpointSlices. Pure.
 */
import type { EndpointSlice, KubeService, ServiceEntry, ServicePort, WorkloadEntryResource } from '../manifest/types';
import { unixPath } from './address';
import { hasLabels, ownValue } from './own';

/** One workload a service can send to: its address, labels, weight, and the port each service port maps to. */
export interface Workload {
  readonly address: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly weight: number;
  /** Service port number → the port dialled on this workload; a service port missing here is not served by it. */
  readonly ports: ReadonlyMap<number, number>;
}

/** What the workloads of one namespace are, for selectors and slices. */
export interface WorkloadSources {
  readonly entries: readonly WorkloadEntryResource[];
  readonly slices: readonly EndpointSlice[];
}

/** A Kubernetes Service's ports in ServiceEntry form (a named targetPort is left to `kubeWorkloads`). */
export function kubePorts(svc: KubeService): ServicePort[] {
  return svc.spec.ports.map((p) => ({
    index: p.index, number: p.port, name: p.name,
    ...(p.appProtocol !== undefined ? { protocol: p.appProtocol } : {}),
    ...(typeof p.targetPort === 'number' ? { targetPort: p.targetPort } : {}),
  }));
}

/**
 * A ServiceEntry's workloads for `host`: its endpoints, else the WorkloadEntries its workloadSelector
 * picks, else (resolution DNS or DNS_ROUND_ROBIN) the host itself. A port is the workload's port of the same name, else
 * the targetPort, else the service port — as Istio does.
 */
export function entryWorkloads(entry: ServiceEntry, host: string, src: WorkloadSources): Workload[] {
  const spec = entry.spec;
  const portsOf = (named: Readonly<Record<string, number>>) =>
    new Map(spec.ports.map((p) => [p.number, ownValue(named, p.name) ?? p.targetPort ?? p.number]));
  if (spec.workloadSelector !== undefined) {
    const selector = spec.workloadSelector;
    return selected(src, entry.metadata.namespace, selector).map((we) => ({
      address: we.spec.address, labels: we.spec.labels, weight: we.spec.weight ?? 1,
      ports: unixPath(we.spec.address) === null ? portsOf(we.spec.ports) : onSocket(spec.ports.map((p) => p.number)),
    }));
  }
  const dns = spec.resolution === 'DNS' || spec.resolution === 'DNS_ROUND_ROBIN';
  if (spec.endpoints.length === 0 && dns) return [{ address: host, labels: {}, weight: 1, ports: portsOf({}) }];
  return spec.endpoints.map((ep) => ({
    address: ep.address, labels: ep.labels, weight: ep.weight ?? 1,
    ports: unixPath(ep.address) === null ? portsOf(ep.ports) : onSocket(spec.ports.map((p) => p.number)),
  }));
}

/**
 * A Kubernetes Service's workloads: the WorkloadEntries its selector picks (a named targetPort is looked
 * up in the entry's ports; else the entry's port named like the service port, else targetPort, else port),
 * and the ready endpoints of the EndpointSlices labelled with its name (ports matched by name).
 */
export function kubeWorkloads(svc: KubeService, src: WorkloadSources): Workload[] {
  const ns = svc.metadata.namespace;
  const found: Workload[] = [];
  if (svc.spec.selector !== undefined) {
    for (const we of selected(src, ns, svc.spec.selector)) {
      if (unixPath(we.spec.address) !== null) {
        found.push({ address: we.spec.address, labels: we.spec.labels, weight: we.spec.weight ?? 1, ports: onSocket(svc.spec.ports.map((p) => p.port)) });
        continue;
      }
      const ports = new Map<number, number>();
      for (const p of svc.spec.ports) {
        const named = (n: string) => (n === '' ? undefined : ownValue(we.spec.ports, n));
        const target = typeof p.targetPort === 'string'
          ? named(p.targetPort) ?? named(p.name)
          : named(p.name) ?? p.targetPort ?? p.port;
        if (target !== undefined) ports.set(p.port, target);
      }
      found.push({ address: we.spec.address, labels: we.spec.labels, weight: we.spec.weight ?? 1, ports });
    }
  }
  for (const slice of slicesOf(src, ns, svc.metadata.name)) {
    const ports = new Map<number, number>();
    for (const p of svc.spec.ports) {
      const sp = slice.spec.ports.find((s) => s.name === p.name);
      if (sp) ports.set(p.port, sp.port);
    }
    for (const ep of slice.spec.endpoints) {
      if (!ep.ready) continue;
      for (const address of ep.addresses) found.push({ address, labels: slice.metadata.labels, weight: 1, ports });
    }
  }
  return found;
}

/** A Unix socket workload (`unix:///path`) serves every service port on its socket: port 0. */
function onSocket(servicePorts: readonly number[]): Map<number, number> {
  return new Map(servicePorts.map((n) => [n, 0]));
}

/** The EndpointSlices of Service `name` in `ns`. */
export function slicesOf(src: WorkloadSources, ns: string, name: string): EndpointSlice[] {
  return src.slices.filter((s) => s.metadata.namespace === ns && s.spec.serviceName === name);
}

function selected(src: WorkloadSources, ns: string, selector: Readonly<Record<string, string>>): WorkloadEntryResource[] {
  return src.entries.filter((we) => we.metadata.namespace === ns && hasLabels(we.spec.labels, selector));
}
