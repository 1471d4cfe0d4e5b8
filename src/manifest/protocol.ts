/**
 * Istio's port protocols (pkg/config/protocol): which ones tcpshift serves as opaque TCP, which it
 * leaves to Istio, and which are not protocols at all (UNKNOWN_PROTOCOL). Case-insensitive, as Istio parses them. Pure.
 */
import { Codes } from '../errors';
import type { DocReader } from './reader';

/** How tcpshift treats a protocol: served as TCP, not served (skipped), or not a protocol Istio knows. */
export type ProtocolClass = 'tcp' | 'skipped' | 'unknown';

/** Istio's `IsTCP()` protocols that carry no TLS tcpshift would have to read: proxied byte for byte. */
const SERVED = ['TCP', 'MONGO', 'MYSQL', 'REDIS'];
/** The rest of Istio's list: HTTP family, TLS/HTTPS (not yet served: no SNI here) and UDP. */
const SKIPPED = ['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-WEB', 'HTTPS', 'TLS', 'UDP'];

/** What `protocol` is to tcpshift. */
export function protocolClass(protocol: string): ProtocolClass {
  const p = protocol.toUpperCase();
  if (SERVED.includes(p)) return 'tcp';
  return SKIPPED.includes(p) ? 'skipped' : 'unknown';
}

/** Reports UNKNOWN_PROTOCOL at `path` unless `protocol` is one Istio knows; returns the class. */
export function checkProtocol(r: DocReader, path: string, protocol: string): ProtocolClass {
  const c = protocolClass(protocol);
  if (c === 'unknown') {
    r.report(path, Codes.UNKNOWN_PROTOCOL,
      `${path}: ${JSON.stringify(protocol)} is not a protocol Istio knows (TCP, MONGO, MYSQL, REDIS, TLS, HTTPS, HTTP, HTTP2, GRPC, GRPC-WEB, HTTP_PROXY, UDP)`);
  }
  return c;
}

/** HTTP (Host header) and TLS (SNI) carry the host name; Istio's `IsHTTP() || IsTLS()`. Left out (sniffed) is neither. */
const NAMES_HOST = ['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-WEB', 'HTTPS', 'TLS'];

/** True when a connection on a port of `protocol` says which host it is for, so several hosts may share the port. */
export function namesHost(protocol: string | undefined): boolean {
  return protocol !== undefined && NAMES_HOST.includes(protocol.toUpperCase());
}

/** Ports Istio takes as TCP when their protocol is not known (kube.ConvertProtocol's well-known ports: SMTP, DNS, MySQL, MongoDB). */
const WELL_KNOWN_TCP = [25, 53, 3306, 27017];

/**
 * What a Kubernetes Service port's `appProtocol` is to tcpshift, read as Istio reads it (kube.ConvertProtocol):
 * `kubernetes.io/h2c`, `/ws` and `/wss` are HTTP2, HTTP and HTTPS; otherwise the part before the first `-`
 * (`grpc-web…` whole), case-insensitive; an unknown one on a well-known port is TCP.
 */
export function appProtocolClass(appProtocol: string, port: number): ProtocolClass {
  if (['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss'].includes(appProtocol)) return 'skipped';
  if (appProtocol.toLowerCase().startsWith('grpc-web')) return 'skipped';
  const dash = appProtocol.indexOf('-');
  const c = protocolClass(dash < 0 ? appProtocol : appProtocol.slice(0, dash));
  return c === 'unknown' && WELL_KNOWN_TCP.includes(port) ? 'tcp' : c;
}
