/**
 * VirtualService `tls[]` rules (TLS passthrough routed by SNI), checked as Istio's validateTLSRoute
 * does: at least one match, `sniHosts` required in each, each name a valid (wildcard) domain within
 * the VirtualService's `hosts`. Pure.
 */
import { isIP } from './address';
import { Codes } from '../errors';
import { asList, asStringList, compact } from './fields';
import { hostSubsetOf, isWildcardDomain } from './hostnames';
import { asObj, type Obj } from './obj';
import type { DocReader, Field } from './reader';
import type { RouteDestination, TlsMatch, TlsRoute } from './types';

/** TLS match fields Istio has that select clients; tcpshift cannot tell them apart, so they are errors (as on tcp rules). */
const CLIENT_MATCHES = ['sourceLabels', 'sourceNamespace', 'destinationSubnets'];

/** Reads a rule's `route` list (the tcp rules' reader, passed in by src/manifest/virtualservice.ts). */
export type RouteReader = (rule: Obj) => RouteDestination[];

/** The `tls` list of a VirtualService spec; absent when not written (or written empty). */
export function readTlsRoutes(spec: Obj, hosts: readonly string[], readRoute: RouteReader): TlsRoute[] | undefined {
  const written = spec.list('tls');
  if (written.length === 0) return undefined;
  const rules: TlsRoute[] = [];
  written.forEach((f, index) => {
    const rule = readTlsRoute(spec.r, f, index, hosts, readRoute);
    if (rule) rules.push(rule);
  });
  return rules;
}

function readTlsRoute(r: DocReader, f: Field, index: number, hosts: readonly string[], readRoute: RouteReader): TlsRoute | undefined {
  const o = asObj(r, f);
  if (!o) return undefined;
  const matchField = o.get('match');
  const written = matchField ? asList(r, matchField) : [];
  if (written.length === 0 && (!matchField || Array.isArray(matchField.value))) {
    r.report(o.at('match'), Codes.FIELD_REQUIRED, `${o.at('match')} is required: a tls rule needs at least one match with sniHosts (as Istio requires)`);
  }
  const match: TlsMatch[] = [];
  written.forEach((m, i) => {
    const read = readTlsMatch(r, m, i, hosts);
    if (read) match.push(read);
  });
  const route = readRoute(o);
  o.done();
  return { index, match, route };
}

function readTlsMatch(r: DocReader, f: Field, index: number, hosts: readonly string[]): TlsMatch | undefined {
  const o = asObj(r, f);
  if (!o) return undefined;
  const sniField = o.need('sniHosts');
  const written = sniField ? asStringList(r, sniField) : [];
  if (sniField && Array.isArray(sniField.value) && sniField.value.length === 0) {
    r.report(sniField.path, Codes.FIELD_REQUIRED, `${sniField.path} must list at least one SNI name`);
  }
  const sniHosts: string[] = [];
  written.forEach((name, i) => {
    const path = `${o.at('sniHosts')}[${i}]`;
    if (checkSniHost(r, path, name, hosts)) sniHosts.push(name.toLowerCase());
  });
  const port = o.port('port');
  const g = o.get('gateways');
  const gateways = g ? asStringList(r, g) : undefined;
  for (const key of CLIENT_MATCHES) {
    o.unsupported(key, 'tcpshift cannot tell which client a connection comes from', 'error');
  }
  o.done();
  // A match whose every name was rejected is left out (the errors reject the commit anyway).
  if (sniHosts.length === 0) return undefined;
  return compact({ index, sniHosts, port, gateways });
}

/** Reports FIELD_NAME (not a domain), a warning for an IP (as Istio), SNI_NOT_IN_HOSTS (outside the VirtualService's hosts). */
function checkSniHost(r: DocReader, path: string, name: string, hosts: readonly string[]): boolean {
  if (isIP(name)) {
    r.report(path, Codes.FIELD_NAME, `${path}: ${JSON.stringify(name)} is an IP address; SNI names are host names and most clients never send an IP`, 'warning');
  } else if (!isWildcardDomain(name)) {
    r.report(path, Codes.FIELD_NAME, `${path} must be a host name, optionally starting with *. (such as db.example.com or *.example.com), got ${JSON.stringify(name)}`);
    return false;
  }
  if (!hosts.some((h) => hostSubsetOf(name, h))) {
    r.report(path, Codes.SNI_NOT_IN_HOSTS,
      `${path}: SNI name ${JSON.stringify(name)} is not within any of the VirtualService's hosts [${hosts.join(', ')}] (Istio rejects it too); add it to spec.hosts`);
    return false;
  }
  return true;
}
