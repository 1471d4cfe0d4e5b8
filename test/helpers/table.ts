/** Hand-built, deep-frozen RoutingTables for proxy tests (the model compiler is not needed). */
import { hostPort } from '../../src/model/address';
import { deepFreeze } from '../../src/model/freeze';
import { DEFAULT_POLICY, type Destination, type Endpoint, type Listener, type Policy, type RoutingTable } from '../../src/model/types';

export interface EndpointSpec {
  readonly address?: string;
  readonly port: number;
  readonly weight?: number;
  readonly labels?: Record<string, string>;
}

export interface DestinationSpec {
  readonly host?: string;
  /** Default `v1`; null = the whole service. */
  readonly subset?: string | null;
  /** Service port; default 9000. */
  readonly port?: number;
  /** Default 1. */
  readonly weight?: number;
  readonly policy?: Partial<Policy>;
  readonly endpoints: readonly EndpointSpec[];
}

export interface ListenerSpec {
  readonly address?: string;
  readonly port: number;
  readonly gateway?: string;
  readonly portName?: string;
  readonly virtualService?: string;
  readonly rule?: number;
  readonly destinations: readonly DestinationSpec[];
}

/** Builds a RoutingTable with defaults (127.0.0.1, host tcp-echo, DEFAULT_POLICY), deep-frozen. */
export function tableOf(spec: { listeners: readonly ListenerSpec[] }): RoutingTable {
  const listeners: Listener[] = spec.listeners.map((l) => {
    const address = l.address ?? '127.0.0.1';
    const total = l.destinations.reduce((sum, d) => sum + (d.weight ?? 1), 0);
    const destinations: Destination[] = l.destinations.map((d) => {
      const host = d.host ?? 'tcp-echo';
      const subset = d.subset === undefined ? 'v1' : d.subset;
      const port = d.port ?? 9000;
      const weight = d.weight ?? 1;
      const endpoints: Endpoint[] = d.endpoints.map((e) => {
        const ea = e.address ?? '127.0.0.1';
        return { key: hostPort(ea, e.port), address: ea, port: e.port, weight: e.weight ?? 1, labels: e.labels ?? (subset ? { version: subset } : {}) };
      });
      return {
        key: `${host}|${subset ?? ''}|${port}`,
        host,
        subset,
        port,
        weight,
        percent: total > 0 ? Math.round((weight / total) * 10_000) / 100 : 0,
        service: host,
        version: subset ?? 'unknown',
        policy: { ...DEFAULT_POLICY, ...d.policy },
        endpoints,
      };
    });
    return {
      key: hostPort(address, l.port),
      address,
      port: l.port,
      gateway: l.gateway ?? 'default/tcp-echo-gateway',
      portName: l.portName ?? 'tcp',
      route: { virtualService: l.virtualService ?? 'default/tcp-echo', rule: l.rule ?? 0, destinations },
    };
  });
  return deepFreeze({ listeners });
}
