/**
 * Host names as Istio compares them (pkg/config/host.Name): exact names and `*`-prefixed wildcards,
 * case-insensitive here because SNI names are. Pure.
 */

/** True when every name `a` covers is covered by `b` (Istio's `Name.SubsetOf`): `a.x.com` ⊆ `*.x.com` ⊆ `*.com` ⊆ `*`. */
export function hostSubsetOf(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const xw = x.startsWith('*');
  const yw = y.startsWith('*');
  if (xw) return yw && x.slice(1).endsWith(y.slice(1));
  if (!yw) return x === y;
  return x.endsWith(y.slice(1));
}

/** True when `a` and `b` share a name (Istio's `Name.Matches`: one is a subset of the other). */
export function hostsOverlap(a: string, b: string): boolean {
  return hostSubsetOf(a, b) || hostSubsetOf(b, a);
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * True for a name Istio's ValidateWildcardDomain accepts: `*`, or DNS-1123 labels joined by dots
 * with an optional leading `*.`; at most 255 characters. `s` is compared lower-cased.
 */
export function isWildcardDomain(s: string): boolean {
  if (s === '*') return true;
  if (s.length === 0 || s.length > 255) return false;
  const name = s.startsWith('*.') ? s.slice(2) : s;
  return name.split('.').every((l) => l.length <= 63 && LABEL.test(l.toLowerCase()));
}

/**
 * A Gateway server host as Istio writes it: `host` (any namespace), `ns/host`, `*` + `/host` (any), `./host`
 * (the Gateway's namespace) → the namespace it admits VirtualServices from (null: any) and the host.
 */
export function serverHost(written: string, gatewayNamespace: string): { readonly namespace: string | null; readonly host: string } {
  const slash = written.indexOf('/');
  if (slash < 0) return { namespace: null, host: written };
  const ns = written.slice(0, slash);
  return { namespace: ns === '*' ? null : ns === '.' ? gatewayNamespace : ns, host: written.slice(slash + 1) };
}

/** True when a VirtualService of `vsNamespace` with `vsHosts` binds to a server with `serverHosts` (Istio's pickMatchingGatewayHosts). */
export function serverAdmits(serverHosts: readonly string[], gatewayNamespace: string, vsNamespace: string, vsHosts: readonly string[]): boolean {
  // A server without hosts (which Istio rejects; reported elsewhere) admits every VirtualService, as tcp rules do.
  if (serverHosts.length === 0) return true;
  return serverHosts.some((written) => {
    const { namespace, host } = serverHost(written, gatewayNamespace);
    return (namespace === null || namespace === vsNamespace) && vsHosts.some((h) => hostsOverlap(host, h));
  });
}
