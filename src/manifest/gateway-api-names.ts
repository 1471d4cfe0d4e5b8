/** Names as the Gateway API validates them: section (listener) names and hostnames (exact or `*.` wildcard, never an IP). Pure. */
import { Codes } from '../errors';
import { isIP } from './address';
import { isDns1123Subdomain } from './names';
import type { DocReader } from './reader';

const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True for a Gateway API Hostname: lower-case DNS labels, optionally `*.` first, at most 253 characters, not an IP address. */
export function isGatewayHostname(s: string): boolean {
  return s.length <= 253 && HOSTNAME.test(s) && !isIP(s);
}

/** Reports FIELD_HOSTNAME at `path` unless `name` is a Gateway API Hostname; returns whether it is. */
export function checkHostname(r: DocReader, path: string, name: string): boolean {
  if (isGatewayHostname(name)) return true;
  r.report(path, Codes.FIELD_HOSTNAME,
    `${path} must be a lower-case DNS name, optionally starting with "*." (not an IP address), got ${JSON.stringify(name)}`);
  return false;
}

/** Reports FIELD_NAME at `path` unless `name` is a SectionName (a DNS-1123 subdomain, as the Gateway API defines it). */
export function checkSectionName(r: DocReader, path: string, name: string): boolean {
  if (isDns1123Subdomain(name)) return true;
  r.report(path, Codes.FIELD_NAME, `${path} must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.'), got ${JSON.stringify(name)}`);
  return false;
}
