/**
 * Listener and endpoint addresses as the model keys them. Pure (IP syntax lives in src/manifest/address.ts).
 *
 * A TCP listener is one entry per socket, keyed `address:port`. A TLS passthrough socket has one
 * entry per SNI route, keyed `address:port sni=<first host>`, plus at most one fallback entry keyed
 * `address:port`. A Unix domain socket (listener or endpoint) has address `unix:///path`, port 0,
 * and is keyed by its address alone.
 */
import { unixPath } from '../manifest/istio-names';

export { isIP } from '../manifest/address';
export { unixPath };

/** True for the any-address (`0.0.0.0`, `::`), which overlaps every address on its port. */
export function isWildcard(s: string): boolean {
  return s === '0.0.0.0' || s === '::' || s === '::0';
}

/** `address:port`, with IPv6 in brackets (a Unix socket: its address): the key a socket or endpoint is known by. */
export function hostPort(address: string, port: number): string {
  if (unixPath(address) !== null) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The key of a listener entry: its socket's key, plus ` sni=<first host>` for an SNI route of a TLS socket. */
export function entryKey(address: string, port: number, sni?: readonly string[]): string {
  const base = hostPort(address, port);
  return sni === undefined || sni.length === 0 ? base : `${base} sni=${sni[0]}`;
}

/** The key of the socket a listener entry is served on (the entries of one TLS socket share it). */
export function socketOf(l: { readonly address: string; readonly port: number }): string {
  return hostPort(l.address, l.port);
}
