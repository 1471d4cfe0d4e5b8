/**
 * What keeps the admin API out of reach of web pages: the Host rule (against DNS rebinding), the
 * cross-site rule for mutating requests (against CSRF), and the bearer token check. Pure functions.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { networkInterfaces } from 'node:os';

/** The header the CLI sends on mutating requests; a browser cannot send it cross-site without a preflight. */
export const REQUEST_HEADER = 'x-tcpshift-request';

/** The names and addresses the admin server answers to, and its own origins. */
export interface HostRule {
  readonly names: ReadonlySet<string>;
  readonly port: number;
}

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

/**
 * The admin's own address (every local interface address when it binds a wildcard), `localhost`,
 * 127.0.0.0/8 and ::1 (always, by `isLoopback`), plus `extra` names: lower-case, IPv6 without brackets.
 */
export function hostRule(bindHost: string, port: number, extra: readonly string[] = []): HostRule {
  const names = new Set<string>(['localhost', '::1']);
  const own = bare(bindHost.toLowerCase());
  if (WILDCARDS.has(own)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase());
  } else names.add(own);
  for (const e of extra) names.add(bare(e.toLowerCase()));
  return { names, port };
}

/** True when the `Host` header names the admin (any port); a request without Host (HTTP/1.0, no browser) passes. */
export function hostAllowed(host: string | undefined, rule: HostRule): boolean {
  if (host === undefined) return true;
  const name = hostName(host);
  return name !== null && (rule.names.has(name) || isLoopback(name));
}

/**
 * Why a mutating request is refused as one a web page could have sent, or null when it may go on:
 * an `Origin` other than the admin's own (`http://<allowed name>:<port>`), or a "simple" request —
 * no `Content-Type: application/json`, no `X-Tcpshift-Request` and no `Authorization` header.
 */
export function crossSiteRefusal(headers: IncomingHttpHeaders, rule: HostRule): string | null {
  const origin = headers.origin;
  if (origin !== undefined && !ownOrigin(origin, rule)) return `requests from ${JSON.stringify(origin.slice(0, 100))} are refused: the admin API is not for web pages`;
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json' || headers[REQUEST_HEADER] !== undefined || headers.authorization !== undefined) return null;
  return `send Content-Type: application/json or ${REQUEST_HEADER}: 1 (tcpshift's CLI does): a request a browser may send cross-site is refused`;
}

/** Checks `Authorization: Bearer <token>` (scheme in any case) in constant time, leaking neither content nor length. */
export function bearerChecker(token: string): (header: string | undefined) => boolean {
  const key = randomBytes(32);
  const mac = (s: string) => createHmac('sha256', key).update(s).digest();
  const want = mac(token);
  return (header) => {
    const m = /^bearer[ \t]+(.*)$/i.exec(header?.trim() ?? '');
    if (!m) return false;
    return timingSafeEqual(mac(m[1]?.trim() ?? ''), want);
  };
}

function ownOrigin(origin: string, rule: HostRule): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null` (sandboxed frames, file: pages) included
  }
  const port = url.port === '' ? 80 : Number(url.port);
  const name = bare(url.hostname.toLowerCase());
  return url.protocol === 'http:' && port === rule.port && (rule.names.has(name) || isLoopback(name));
}

/** `Host` → its name or address without port, lower-case, IPv6 without brackets; null when malformed. */
function hostName(host: string): string | null {
  const h = host.trim().toLowerCase();
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9._-]+))(?::(\d{1,5}))?$/.exec(h);
  if (!m) return null;
  return (m[1] ?? m[2] ?? '').replace(/\.$/, '');
}

function isLoopback(name: string): boolean {
  if (name === 'localhost' || name === '::1' || name === '::ffff:127.0.0.1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

function bare(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1');
}
