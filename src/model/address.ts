/** Listener and endpoint addresses as the model keys them. Pure (IP syntax lives in src/manifest/address.ts). */
export { isIP } from '../manifest/address';

/** True for the any-address (`0.0.0.0`, `::`), which overlaps every address on its port. */
export function isWildcard(s: string): boolean {
  return s === '0.0.0.0' || s === '::' || s === '::0';
}

/** `address:port`, with IPv6 in brackets: the key a listener or endpoint is known by. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
