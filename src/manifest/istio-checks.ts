/**
 * Istio's validation rules for hosts and gateway names, reported at the field (FIELD_HOST, FIELD_NAME,
 * GATEWAY_NAME_LEGACY). The rules themselves are in ./istio-names.ts. Pure.
 */
import { Codes } from '../errors';
import { isIP } from './address';
import { gatewayRefError, isPartialWildcard, resolveGatewayRef, serverHostError, wildcardDomainError } from './istio-names';
import type { DocReader } from './reader';

/** Where a host is written, which decides Istio's rule for it. */
export type HostUse = 'destination' | 'serviceentry' | 'destinationrule' | 'vs-gateway' | 'vs-mesh' | 'server';

/** Reports FIELD_HOST at `path` when Istio refuses `host` there; returns whether it is accepted. */
export function checkHost(r: DocReader, path: string, host: string, use: HostUse): boolean {
  const why = hostError(host, use);
  if (why === null) return true;
  r.report(path, Codes.FIELD_HOST, `${path}: host ${JSON.stringify(host)} ${why}`);
  return false;
}

function hostError(host: string, use: HostUse): string | null {
  switch (use) {
    case 'server':
      // agent.ValidateNamespaceSlashWildcardHostname(host, isGateway = true)
      return serverHostError(host, isIP);
    case 'destination':
    case 'serviceentry':
      // validateDestination, ValidateServiceEntry: a full wildcard names no service.
      return host === '*' ? 'is not a service (a full wildcard)' : wildcardDomainError(host);
    case 'destinationrule':
      return wildcardDomainError(host);
    case 'vs-gateway':
    case 'vs-mesh': {
      // ValidateVirtualService: a wildcard domain or an IP address; `*` only when bound to gateways.
      const err = wildcardDomainError(host);
      if (err !== null) return isIP(host) ? null : err;
      return use === 'vs-mesh' && host === '*' ? 'is not allowed for a VirtualService bound to the mesh' : null;
    }
  }
}

/** ValidateServiceEntry's partial-wildcard warning (`foo*.example.com`). */
export function warnPartialWildcard(r: DocReader, path: string, host: string): void {
  if (!isPartialWildcard(host)) return;
  r.report(path, Codes.FIELD_HOST, `${path}: host ${JSON.stringify(host)} has a partial wildcard, which Istio does not match (only a leading *.)`, 'warning');
}

/**
 * validateGatewayNames over the names written at `path[i]`: FIELD_NAME for a name Istio refuses,
 * GATEWAY_NAME_LEGACY (warning) for the legacy `name.namespace…` form.
 */
export function checkGatewayNames(r: DocReader, path: string, names: readonly string[]): void {
  names.forEach((name, i) => {
    const at = `${path}[${i}]`;
    const { error, legacy } = gatewayRefError(name);
    if (error !== null) {
      r.report(at, Codes.FIELD_NAME, `${at}: gateway ${JSON.stringify(name)} ${error} (write namespace/name)`);
    } else if (legacy) {
      r.report(at, Codes.GATEWAY_NAME_LEGACY,
        `${at}: ${JSON.stringify(name)} is the legacy gateway name form; it is read as ${resolveGatewayRef(name, '')} (prefer namespace/name)`, 'warning');
    }
  });
}

