/**
 * Host and gateway names as Istio validates them (pkg/config/validation/agent/validation.go and
 * pkg/config/labels/instance.go at istio/istio 86c9f01): each function returns why a name is refused,
 * or null. Istio's DNS-1123 labels allow upper case; Kubernetes' (src/manifest/names.ts) do not. Pure.
 */

const LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
/** labels.wildcardPrefix: `*`, or a label optionally led by `*` or `*-`. */
const WILDCARD_LABEL = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
const LABEL_MAX = 63;

/** labels.IsDNS1123Label: at most 63 letters (either case), digits and `-`, alphanumeric at both ends. */
export function isIstioLabel(s: string): boolean {
  return s.length <= LABEL_MAX && LABEL.test(s);
}

/** labels.IsWildcardDNS1123Label. */
function isWildcardLabel(s: string): boolean {
  return s.length <= LABEL_MAX && WILDCARD_LABEL.test(s);
}

/** agent.CheckDNS1123Preconditions. */
function preconditions(name: string): string | null {
  if (name.length > 255) return 'is longer than 255 characters';
  return name.length === 0 ? 'is empty' : null;
}

/** agent.ValidateDNS1123Labels: labels, the last not all-numeric (it may be empty: `istio.io.`). */
function labelsError(domain: string): string | null {
  const parts = domain.split('.');
  const last = parts[parts.length - 1] ?? '';
  if (/^[+-]?\d+$/.test(last)) return `has an all-numeric top-level domain ${JSON.stringify(last)}`;
  for (let i = 0; i < parts.length; i++) {
    const label = parts[i] ?? '';
    if (i === parts.length - 1 && label === '') return null;
    if (!isIstioLabel(label)) return `has an invalid label ${JSON.stringify(label)}`;
  }
  return null;
}

/** agent.ValidateFQDN: a DNS name without wildcards. */
export function fqdnError(name: string): string | null {
  return preconditions(name) ?? labelsError(name);
}

/** agent.ValidateWildcardDomain: a DNS name whose first label may be a wildcard (`*`, `*.example.com`, `*-x.example.com`). */
export function wildcardDomainError(name: string): string | null {
  const pre = preconditions(name);
  if (pre) return pre;
  const dot = name.indexOf('.');
  const first = dot < 0 ? name : name.slice(0, dot);
  if (!isWildcardLabel(first)) return `has an invalid label ${JSON.stringify(first)}`;
  return dot < 0 ? null : labelsError(name.slice(dot + 1));
}

/** agent.ValidatePartialWildCard: a `*` anywhere but as the whole host or a leading `*.` label. */
export function isPartialWildcard(host: string): boolean {
  return host.includes('*') && host.length !== 1 && !host.startsWith('*.');
}

/**
 * A Gateway server's host (agent.ValidateNamespaceSlashWildcardHostname, isGateway): `[namespace/]dnsName`,
 * the namespace `*`, `.` or a label; the name `*`, an IP address or a dotted (wildcard) DNS name.
 */
export function serverHostError(host: string, isIP: (s: string) => boolean): string | null {
  const slash = host.indexOf('/');
  let name = host;
  if (slash >= 0) {
    const ns = host.slice(0, slash);
    name = host.slice(slash + 1);
    if (ns === '' || name === '') return 'must be namespace/dnsName with neither part empty';
    if (ns !== '*' && ns !== '.' && !isIstioLabel(ns)) return `has an invalid namespace ${JSON.stringify(ns)}`;
  }
  if (name !== '*' && !name.includes('.')) return 'is a short name (Istio requires a dotted name, an IP address or *)';
  const err = wildcardDomainError(name);
  if (err && !isIP(name)) return err;
  return isPartialWildcard(name) ? 'has a partial wildcard (only a leading *. is allowed)' : null;
}

/** How a VirtualService names a Gateway: `[namespace/]name`, or the legacy `name.namespace[.svc.cluster.local]`. */
export interface GatewayRef {
  /** Why Istio refuses the name (validateGatewayNames), or null. */
  readonly error: string | null;
  /** True for the legacy FQDN form (Istio warns and prefers `namespace/name`). */
  readonly legacy: boolean;
}

/** validateGatewayNames for one name (`mesh` is a valid FQDN-style name and passes). */
export function gatewayRefError(name: string): GatewayRef {
  const slash = name.indexOf('/');
  if (slash < 0) return { error: fqdnError(name), legacy: name.includes('.') };
  const ns = name.slice(0, slash);
  const gw = name.slice(slash + 1);
  if (!isIstioLabel(ns)) return { error: `has an invalid namespace ${JSON.stringify(ns)}`, legacy: false };
  if (!isIstioLabel(gw)) return { error: `has an invalid gateway name ${JSON.stringify(gw)}`, legacy: false };
  return { error: null, legacy: false };
}

/**
 * `namespace/name` of the Gateway a VirtualService of `namespace` names (pilot/pkg/model/config.go
 * resolveGatewayName): a short name is in the same namespace, `gw.ns[.svc.cluster.local]` is `ns/gw`.
 */
export function resolveGatewayRef(name: string, namespace: string): string {
  const slash = name.indexOf('/');
  if (slash >= 0) return name.slice(0, slash) === '.' ? `${namespace}${name.slice(slash)}` : name;
  const dot = name.indexOf('.');
  if (dot < 0) return `${namespace}/${name}`;
  const rest = name.slice(dot + 1);
  const next = rest.indexOf('.');
  return `${next < 0 ? rest : rest.slice(0, next)}/${name.slice(0, dot)}`;
}

/** Istio's prefix of a Unix domain socket address (UnixAddressPrefix). */
export const UNIX_ADDRESS_PREFIX = 'unix://';

/** The path of a `unix:///path` address (what follows `unix://`), or null when `address` is not one. */
export function unixPath(address: string): string | null {
  return address.startsWith(UNIX_ADDRESS_PREFIX) ? address.slice(UNIX_ADDRESS_PREFIX.length) : null;
}

/** ValidateUnixAddress, for the part after `unix://`: an absolute path to a file, or an abstract `@name`. */
export function unixAddressError(path: string): string | null {
  if (path === '') return 'has an empty path';
  if (path.startsWith('@')) return null;
  return path.startsWith('/') && !path.endsWith('/') ? null : 'is not an absolute path to a file';
}

/** host.Name.Matches: equal names, or a `*`-led name whose suffix the other ends with (`*.com` matches `*.foo.com` and `a.com`). */
export function hostsOverlap(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}
