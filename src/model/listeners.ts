/** Gateway servers → listener candidates (address:port), with selector and clash checks. Pure. */
import { Codes, type Diagnostic } from '../errors';
import { diagAt, relatedAt } from '../manifest/locate';
import type { Gateway, GatewayServer } from '../manifest/types';
import { hostPort, isIP, isWildcard, unixPath } from './address';
import { hasLabels } from './own';
import type { CompileOptions } from './types';

/** One TCP server of a Gateway this proxy serves, before routing. */
export interface ListenerCandidate {
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly gateway: Gateway;
  /** `namespace/name`. */
  readonly gatewayRef: string;
  readonly server: GatewayServer;
}

/** True when every selector label is among the proxy's labels (an empty selector selects every proxy). */
export function selectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return hasLabels(labels, selector);
}

/** Returns the listeners the Gateways ask this proxy for; problems are pushed onto `out`. */
export function gatewayListeners(gateways: readonly Gateway[], opts: CompileOptions, out: Diagnostic[]): ListenerCandidate[] {
  const found: ListenerCandidate[] = [];
  const byPort = new Map<number, ListenerCandidate[]>();
  for (const gw of gateways) {
    if (gw.spec.serverCount === 0) {
      out.push(diagAt(gw, 'spec.servers', Codes.GATEWAY_NO_SERVERS, `spec.servers: Gateway ${gw.metadata.name} has no servers`));
      continue;
    }
    if (!selectorMatches(gw.spec.selector, opts.gatewayLabels)) {
      out.push(diagAt(gw, 'spec.selector', Codes.GATEWAY_SELECTOR_MISMATCH,
        `spec.selector ${fmtLabels(gw.spec.selector)} does not match this proxy's labels ${fmtLabels(opts.gatewayLabels)}; Gateway ${gw.metadata.name} is not served here`, 'warning'));
      continue;
    }
    for (const server of gw.spec.servers) {
      const address = server.bind ?? opts.listenHost;
      // A `unix:///path` bind (port 0; its path checked by the reader) is a listener keyed by its address.
      if (server.bind !== undefined && !isIP(server.bind) && unixPath(server.bind) === null) {
        out.push(diagAt(gw, `spec.servers[${server.index}].bind`, Codes.FIELD_ADDRESS,
          `spec.servers[${server.index}].bind ${JSON.stringify(server.bind)} must be an IP address or unix:///path`));
        continue;
      }
      const samePort = byPort.get(server.port.number) ?? [];
      const clash = samePort.find((c) => c.address === address || isWildcard(c.address) || isWildcard(address));
      if (clash) {
        out.push(diagAt(gw, `spec.servers[${server.index}].port.number`, Codes.LISTENER_CONFLICT,
          `spec.servers[${server.index}].port.number: ${hostPort(address, server.port.number)} is already a listener of Gateway ${clash.gatewayRef} (${clash.gateway.file})`,
          'error', relatedAt(clash.gateway, `spec.servers[${clash.server.index}].port.number`)));
        continue;
      }
      const candidate = {
        key: hostPort(address, server.port.number), address, port: server.port.number, gateway: gw,
        gatewayRef: `${gw.metadata.namespace}/${gw.metadata.name}`, server,
      };
      found.push(candidate);
      byPort.set(candidate.port, [...samePort, candidate]);
    }
  }
  return found;
}

function fmtLabels(l: Readonly<Record<string, string>>): string {
  const s = Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',');
  return s === '' ? '{}' : `{${s}}`;
}
