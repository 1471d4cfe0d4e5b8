/**
 * Gateway API Gateways → the listener sockets this proxy serves: the class filter (`--gateway-class`),
 * the bind addresses (`spec.addresses`, else `--listen-host`), and clashes between listeners. Pure.
 */
import { Codes, type Diagnostic } from '../errors';
import type { GatewayListener } from '../manifest/gateway-api-types';
import { diagAt, relatedAt } from '../manifest/locate';
import type { KubernetesGateway } from '../manifest/types';
import { hostPort, isWildcard } from './address';
import { DEFAULT_GATEWAY_CLASS, type CompileOptions, type Listener } from './types';

/** One listener of a served Gateway on one of its addresses. */
export interface GatewaySocket {
  readonly gateway: KubernetesGateway;
  /** `namespace/name`. */
  readonly gatewayRef: string;
  readonly listener: GatewayListener;
  readonly address: string;
  readonly port: number;
}

/** The Gateways of the served class, by `namespace/name`; the others get GATEWAY_CLASS_SKIPPED (warning). */
export function servedGateways(gateways: readonly KubernetesGateway[], opts: CompileOptions, out: Diagnostic[]): Map<string, KubernetesGateway> {
  const cls = opts.gatewayClass ?? DEFAULT_GATEWAY_CLASS;
  const served = new Map<string, KubernetesGateway>();
  for (const gw of gateways) {
    if (gw.spec.gatewayClassName !== cls) {
      out.push(diagAt(gw, 'spec.gatewayClassName', Codes.GATEWAY_CLASS_SKIPPED,
        `spec.gatewayClassName ${JSON.stringify(gw.spec.gatewayClassName)} is not the class this proxy serves (--gateway-class ${cls}); Gateway ${gw.metadata.name} is skipped`, 'warning'));
      continue;
    }
    served.set(`${gw.metadata.namespace}/${gw.metadata.name}`, gw);
  }
  return served;
}

/**
 * Every listener of the served Gateways on each bind address. Two listeners clash (LISTENER_CONFLICT)
 * on one port when their addresses overlap, unless both are TLS listeners of one Gateway with
 * different hostnames (they share the socket and split it by SNI, as the Gateway API allows).
 */
export function gatewaySockets(served: ReadonlyMap<string, KubernetesGateway>, opts: CompileOptions, out: Diagnostic[]): GatewaySocket[] {
  const found: GatewaySocket[] = [];
  const byPort = new Map<number, GatewaySocket[]>();
  for (const [gatewayRef, gw] of served) {
    const addresses = gw.spec.addresses.length > 0 ? gw.spec.addresses : [opts.listenHost];
    for (const listener of gw.spec.listeners) {
      for (const address of addresses) {
        const s: GatewaySocket = { gateway: gw, gatewayRef, listener, address, port: listener.port };
        const same = byPort.get(s.port) ?? [];
        const clash = same.find((o) => overlaps(o.address, address) && !sharesSocket(o, s));
        if (clash) {
          const field = `spec.listeners[${listener.index}].port`;
          out.push(diagAt(gw, field, Codes.LISTENER_CONFLICT,
            `${field}: ${hostPort(address, s.port)} is already listener ${clash.listener.name} of Gateway ${clash.gatewayRef} (${clash.gateway.file})`,
            'error', relatedAt(clash.gateway, `spec.listeners[${clash.listener.index}].port`)));
          continue;
        }
        found.push(s);
        byPort.set(s.port, [...same, s]);
      }
    }
  }
  return found;
}

/** LISTENER_CONFLICT for every Gateway API socket an Istio Gateway's listener already holds; returns the sockets left. */
export function withoutIstioClashes(sockets: readonly GatewaySocket[], istio: readonly Listener[], out: Diagnostic[]): GatewaySocket[] {
  return sockets.filter((s) => {
    const clash = istio.find((l) => l.port === s.port && overlaps(l.address, s.address));
    if (!clash) return true;
    const field = `spec.listeners[${s.listener.index}].port`;
    out.push(diagAt(s.gateway, field, Codes.LISTENER_CONFLICT,
      `${field}: ${hostPort(s.address, s.port)} is already a listener of Istio Gateway ${clash.gateway} (networking.istio.io)`));
    return false;
  });
}

function overlaps(a: string, b: string): boolean {
  return a === b || isWildcard(a) || isWildcard(b);
}

function sharesSocket(a: GatewaySocket, b: GatewaySocket): boolean {
  return a.gatewayRef === b.gatewayRef && a.address === b.address && a.listener.protocol === 'TLS' && b.listener.protocol === 'TLS'
    && a.listener.hostname !== b.listener.hostname;
}
