/** One rule's route → weighted Destinations with their endpoints and policy. Pure. */
import { Codes, type Diagnostic } from '../errors';
import { diagAt } from '../manifest/locate';
import type { ServicePort, TcpRoute, TlsRoute, VirtualService } from '../manifest/types';
import { hostPort } from './address';
import { hasLabels } from './own';
import { effectivePolicy } from './policy';
import { describe, lookupService, type Service, type ServiceIndex } from './services';
import type { Destination, Endpoint } from './types';

/** Returns the rule's destinations, or null when any is invalid (every problem is pushed onto `out`). `section`: the VirtualService list the rule is in. */
export function resolveRoute(vs: VirtualService, rule: TcpRoute | TlsRoute, index: ServiceIndex, out: Diagnostic[], section: 'tcp' | 'tls' = 'tcp'): Destination[] | null {
  const base = `spec.${section}[${rule.index}]`;
  const before = out.filter((d) => d.severity === 'error').length;
  // No destination left: the reader has already reported why (route missing, empty, or no entry
  // readable) at the same place; a second diagnostic would repeat it.
  if (rule.route.length === 0) return null;
  const lone = rule.route.length === 1;
  const weights = rule.route.map((rd) => (lone ? Math.max(rd.weight ?? 1, 1) : rd.weight ?? 0));
  rule.route.forEach((rd, i) => {
    if ((rd.weight ?? 0) < 0) {
      out.push(diagAt(vs, `${base}.route[${rd.index}].weight`, Codes.WEIGHT_NEGATIVE,
        `${base}.route[${rd.index}].weight must not be negative, got ${rd.weight}`));
      weights[i] = 0;
    }
  });
  const total = weights.reduce((a, b) => a + b, 0);
  if (!lone && total === 0 && !rule.route.some((rd) => (rd.weight ?? 0) < 0)) {
    out.push(diagAt(vs, `${base}.route`, Codes.WEIGHT_ZERO_TOTAL,
      `${base}.route: the weights add up to 0, so no destination would get any connection`));
  }
  const seen = new Set<string>();
  const dests: Destination[] = [];
  rule.route.forEach((rd, i) => {
    const field = `${base}.route[${rd.index}].destination`;
    const weight = weights[i] ?? 0;
    const d = resolveDestination(vs, field, rd.destination, weight, total, index, out);
    if (!d) return;
    if (seen.has(d.key)) {
      out.push(diagAt(vs, field, Codes.DUPLICATE_DESTINATION, `${field}: ${d.host} subset ${d.subset ?? '(none)'} port ${d.port} is listed twice in this route`));
      return;
    }
    seen.add(d.key);
    dests.push(d);
  });
  const after = out.filter((d) => d.severity === 'error').length;
  return after === before ? dests : null;
}

function resolveDestination(
  vs: VirtualService, field: string, dest: { host: string; subset?: string; port?: number },
  weight: number, total: number, index: ServiceIndex, out: Diagnostic[],
): Destination | null {
  const service = lookupService(index, dest.host, vs.metadata.namespace);
  if (!service) {
    out.push(diagAt(vs, `${field}.host`, Codes.UNKNOWN_HOST, `${field}.host: no ServiceEntry or Service declares host ${dest.host}`));
    return null;
  }
  index.used.add(service.key);
  const port = servicePort(vs, field, dest.port, service, out);
  if (!port) return null;
  let labels: Readonly<Record<string, string>> = {};
  const rule = index.rules.get(service.key);
  const subset = dest.subset === undefined ? undefined : rule?.spec.subsets.find((s) => s.name === dest.subset);
  if (dest.subset !== undefined) {
    if (!subset) {
      const why = rule ? `DestinationRule ${rule.metadata.name} has no subset ${dest.subset}` : `no DestinationRule defines subsets for host ${dest.host}`;
      out.push(diagAt(vs, `${field}.subset`, Codes.UNKNOWN_SUBSET, `${field}.subset: ${why}`));
      return null;
    }
    labels = subset.labels;
  }
  const endpoints = selectEndpoints(service, port, labels);
  if (endpoints.length === 0) {
    const what = dest.subset === undefined ? `host ${dest.host}` : `subset ${dest.subset} (labels ${JSON.stringify(labels)})`;
    out.push(diagAt(vs, dest.subset === undefined ? `${field}.host` : `${field}.subset`, Codes.EMPTY_SUBSET,
      `${field}: ${what} selects no endpoint of ${describe(service)}`, weight > 0 ? 'error' : 'warning'));
    if (weight > 0) return null;
  }
  return {
    key: `${service.host}|${dest.subset ?? ''}|${port.number}`,
    host: service.host,
    subset: dest.subset ?? null,
    port: port.number,
    weight,
    percent: total > 0 ? Math.round((weight / total) * 10_000) / 100 : 0,
    service: service.host,
    version: dest.subset ?? 'unknown',
    policy: effectivePolicy(rule?.spec.trafficPolicy, subset?.trafficPolicy),
    endpoints,
  };
}

function servicePort(vs: VirtualService, field: string, number: number | undefined, service: Service, out: Diagnostic[]): ServicePort | null {
  const ports = service.ports;
  if (number !== undefined) {
    const p = ports.find((sp) => sp.number === number);
    if (!p) {
      out.push(diagAt(vs, `${field}.port.number`, Codes.UNKNOWN_PORT,
        `${field}.port.number: ${describe(service)} has no port ${number} (it has ${ports.map((sp) => sp.number).join(', ') || 'none'})`));
    }
    return p ?? null;
  }
  if (ports.length === 1 && ports[0]) return ports[0];
  out.push(diagAt(vs, `${field}.port`, Codes.PORT_REQUIRED,
    `${field}.port.number is required: ${describe(service)} has ${ports.length} ports`));
  return null;
}

/** Workloads whose labels contain every subset label and that serve `port`, with the port it maps to. */
export function selectEndpoints(service: Service, port: ServicePort, labels: Readonly<Record<string, string>>): Endpoint[] {
  const byKey = new Map<string, Endpoint>();
  for (const w of service.workloads) {
    if (!hasLabels(w.labels, labels)) continue;
    const p = w.ports.get(port.number);
    if (w.weight <= 0 || p === undefined) continue;
    const key = hostPort(w.address, p);
    const prev = byKey.get(key);
    byKey.set(key, prev ? { ...prev, weight: prev.weight + w.weight } : { key, address: w.address, port: p, weight: w.weight, labels: w.labels });
  }
  return [...byKey.values()];
}
