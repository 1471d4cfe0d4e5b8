/**
 * The TLS side of a Gateway: `tls.mode` of TLS/HTTPS servers (only PASSTHROUGH is served: tcpshift
 * never terminates TLS) and the `tcpshift.io/accept-proxy-protocol` annotation. Pure.
 */
import { Codes } from '../errors';
import { isPlainMap } from './fields';
import { asObj, Obj } from './obj';
import type { DocReader, Field } from './reader';

/** The annotation that makes every server of a Gateway read a PROXY protocol header first. */
export const ACCEPT_PROXY_PROTOCOL = 'tcpshift.io/accept-proxy-protocol';

/** Protocols whose servers may be TLS passthrough (Istio routes both by SNI with `tls[]` rules when not terminated). */
const TLS_PROTOCOLS = ['TLS', 'HTTPS'];

/** True for `TLS` and `HTTPS` (any case). */
export function isTlsProtocol(protocol: string): boolean {
  return TLS_PROTOCOLS.includes(protocol.toUpperCase());
}

/** Istio's ServerTLSSettings.TLSmode values. */
const MODES = ['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'];

/** What a TLS/HTTPS server is to tcpshift: served by SNI (`passthrough`), or not served (reported). */
export type TlsServerKind = 'passthrough' | 'skipped';

/**
 * Reads `server.tls` of a TLS or HTTPS server. PASSTHROUGH → served. A terminating mode (SIMPLE,
 * MUTUAL, ISTIO_MUTUAL, OPTIONAL_MUTUAL) or AUTO_PASSTHROUGH on a TLS server is TLS_MODE_UNSUPPORTED
 * (an error: this proxy was asked to serve the port and cannot); on an HTTPS server it is HTTP, which
 * tcpshift leaves to Istio (SERVER_SKIPPED, a warning). No `tls` at all: FIELD_REQUIRED on TLS, as Istio.
 */
export function readServerTls(r: DocReader, server: Obj, serverPath: string, protocol: string): TlsServerKind {
  const https = protocol.toUpperCase() === 'HTTPS';
  const tls = server.get('tls');
  const o = tls && asObj(r, tls);
  if (tls && !o) return 'skipped';
  const mode = o?.get('mode');
  // PASSTHROUGH is the proto's zero value: a `tls` block without `mode` is passthrough in Istio too.
  const value = mode === undefined ? (o ? 'PASSTHROUGH' : undefined) : mode.value;
  if (value === 'PASSTHROUGH') {
    for (const key of o!.keys()) {
      const f = key === 'mode' ? undefined : o!.get(key);
      // A key written as null (`credentialName: ~`) is absent, as in Kubernetes.
      if (!f) continue;
      r.report(f.path, Codes.FIELD_UNSUPPORTED, `${f.path} is not supported: a PASSTHROUGH server forwards the client's TLS bytes unchanged; ignored`, 'warning');
    }
    return 'passthrough';
  }
  o?.ignore(...o.keys());
  if (mode && !(typeof mode.value === 'string' && MODES.includes(mode.value))) {
    r.report(mode.path, Codes.FIELD_ENUM, `${mode.path} must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode.value)}`);
    return 'skipped';
  }
  if (https) {
    r.report(serverPath, Codes.SERVER_SKIPPED, `${serverPath}: protocol ${protocol} without tls.mode PASSTHROUGH is HTTP, not served by tcpshift; server skipped`, 'warning');
    return 'skipped';
  }
  if (value === undefined) {
    r.report(`${serverPath}.tls`, Codes.FIELD_REQUIRED, `${serverPath}.tls is required on a TLS server (tls.mode: PASSTHROUGH to route it by SNI)`);
    return 'skipped';
  }
  const at = mode?.path ?? tls!.path;
  const why = value === 'AUTO_PASSTHROUGH'
    ? 'AUTO_PASSTHROUGH routes by Istio-encoded SNI names to mesh clusters tcpshift does not have; use PASSTHROUGH with VirtualService tls[] rules'
    : `tcpshift does not terminate TLS (mode ${String(value)}); use PASSTHROUGH and let the backends terminate it`;
  r.report(at, Codes.TLS_MODE_UNSUPPORTED, `${at} is not supported: ${why}; the commit is not applied`);
  return 'skipped';
}

/**
 * `metadata.annotations["tcpshift.io/accept-proxy-protocol"]`: `"true"` → true; `"false"` or absent →
 * undefined; anything else is FIELD_ENUM. Other annotations are not tcpshift's and are not read.
 */
export function readAcceptProxyProtocol(r: DocReader, metadata: Field | undefined): true | undefined {
  if (!metadata || !isPlainMap(metadata.value)) return undefined;
  const m = new Obj(r, metadata.path, metadata.value, metadata.node);
  const annotations = m.get('annotations');
  if (!annotations || !isPlainMap(annotations.value)) return undefined;
  const a = new Obj(r, annotations.path, annotations.value, annotations.node);
  const f = a.get(ACCEPT_PROXY_PROTOCOL);
  if (!f) return undefined;
  if (f.value === 'true') return true;
  if (f.value === 'false') return undefined;
  r.report(f.path, Codes.FIELD_ENUM, `${f.path} must be "true" or "false", got ${JSON.stringify(f.value)}; the annotation turns on reading a PROXY protocol header on every server of the Gateway`);
  return undefined;
}
