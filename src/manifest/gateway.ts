/** Gateway spec reader: selector, TCP-family servers and TLS passthrough servers (other protocols are skipped with SERVER_SKIPPED). Pure. */
import { Codes } from '../errors';
import { compact } from './fields';
import { isTlsProtocol, readServerTls } from './gateway-tls';
import { checkHost } from './istio-checks';
import { unixAddressError, unixPath } from './istio-names';
import { checkName } from './names';
import { asObj, type Obj } from './obj';
import { checkProtocol } from './protocol';
import type { DocReader, Field } from './reader';
import type { GatewayServer, GatewaySpec } from './types';

/** A server's port name as written, for ValidateGateway's "port names must be unique" across all servers. */
interface PortName {
  readonly name: string;
  readonly path: string;
  /** Whether tcpshift serves the server (a clash between two skipped servers is only a warning). */
  readonly served: boolean;
}

/** The Gateway spec; servers that cannot be read are reported and left out (but still counted). */
export function readGateway(spec: Obj, acceptProxyProtocol?: true): GatewaySpec {
  const selector = spec.strMap('selector');
  const written = spec.list('servers');
  const servers: GatewayServer[] = [];
  const names = new Map<string, PortName>();
  written.forEach((f, index) => {
    const { server, portName } = readServer(spec.r, f, index);
    if (server) servers.push(server);
    if (portName) checkUniqueName(spec.r, names, portName);
  });
  spec.done();
  return compact({ selector, servers, serverCount: written.length, acceptProxyProtocol });
}

/** ValidateGateway: one port name per server of a Gateway. */
function checkUniqueName(r: DocReader, names: Map<string, PortName>, n: PortName): void {
  const first = names.get(n.name);
  if (!first) {
    names.set(n.name, n);
    return;
  }
  r.report(n.path, Codes.DUPLICATE_PORT, `${n.path}: port name ${n.name} is already used by ${first.path}; Istio requires one name per server`,
    first.served || n.served ? 'error' : 'warning');
}

function readServer(r: DocReader, f: Field, index: number): { server?: GatewayServer; portName?: PortName } {
  const o = asObj(r, f);
  if (!o) return {};
  const port = o.obj('port', true);
  const protocol = port?.str('protocol', true);
  if (!port || protocol === undefined) return {};
  // TCP, MONGO, MYSQL and REDIS are opaque TCP to Istio (protocol.IsTCP) and to tcpshift.
  const kind = checkProtocol(r, port.at('protocol'), protocol);
  if (kind === 'unknown') return {};
  // TLS and HTTPS with tls.mode PASSTHROUGH are served by SNI (src/manifest/gateway-tls.ts).
  const tlsServer = kind === 'skipped' && isTlsProtocol(protocol);
  if (kind === 'skipped' && !tlsServer) {
    // Not ours to read: its tls, hosts and the rest are Istio's business, not tcpshift's; only its port name is compared.
    r.report(f.path, Codes.SERVER_SKIPPED, `${f.path}: protocol ${protocol} is not served as TCP by tcpshift; server skipped`, 'warning');
    return unservedName(port);
  }
  // A TLS/HTTPS server tcpshift does not serve (reported) is left unread, as a skipped server is.
  if (tlsServer && readServerTls(r, o, f.path, protocol) === 'skipped') {
    return unservedName(port);
  }
  // validateServerBind: `unix:///path` binds a Unix domain socket, with port number 0.
  const bind = o.str('bind');
  const unix = bind !== undefined && unixPath(bind) !== null;
  if (unix) checkUnixBind(r, o.at('bind'), bind);
  const number = readPortNumber(port, unix);
  // validateServerPort: a port name is required (and unique, above); targetPort has no effect on a Gateway.
  const name = port.str('name', true);
  if (name !== undefined) checkName(r, port.at('name'), name, 'istio-label');
  const targetPort = port.get('targetPort');
  if (targetPort && targetPort.value !== 0) {
    r.report(targetPort.path, Codes.FIELD_UNSUPPORTED, `${targetPort.path} is not supported: Istio rejects targetPort on a Gateway server (it has no effect)`);
  }
  port.done();

  // Whether a non-unix `bind` is an IP address is checked by the model (FIELD_ADDRESS).
  const hosts = readHosts(r, o);
  const tls = tlsServer ? undefined : o.get('tls');
  if (tls) r.report(tls.path, Codes.FIELD_UNSUPPORTED, `${tls.path} is not supported: Istio rejects TLS settings on a ${protocol} server (only HTTPS and TLS servers take them)`);
  o.ignore('name');
  o.done();
  const portName = name === undefined ? undefined : { name, path: port.at('name'), served: true };
  if (number === undefined) return { portName };
  return { server: compact({ index, port: { number, name: name ?? '', protocol }, bind, hosts, passthrough: tlsServer ? true as const : undefined }), portName };
}

/** A server tcpshift does not serve: only its port name, for the one-name-per-server check. */
function unservedName(port: Obj): { portName?: PortName } {
  const written = port.get('name');
  return typeof written?.value === 'string' ? { portName: { name: written.value, path: written.path, served: false } } : {};
}

/** `port.number`: 1–65535, or 0 for (and only for) a Unix socket bind. */
function readPortNumber(port: Obj, unix: boolean): number | undefined {
  const number = port.int('number', { min: 0, max: 65535, code: Codes.PORT_RANGE }, true);
  if (number === undefined) return undefined;
  if (unix === (number === 0)) return number;
  const at = port.at('number');
  port.r.report(at, Codes.PORT_RANGE, unix ? `${at} must be 0 for a Unix domain socket bind, got ${number}` : `${at} must be in 1–65535, got 0`);
  return undefined;
}

function checkUnixBind(r: DocReader, path: string, bind: string): void {
  const why = unixAddressError(unixPath(bind) ?? '');
  if (why !== null) r.report(path, Codes.FIELD_ADDRESS, `${path} ${JSON.stringify(bind)} ${why}`);
}

/** validateServer: at least one host, each `[namespace/]dnsName` as Istio's Gateway hosts are. */
function readHosts(r: DocReader, o: Obj): string[] {
  const hosts = o.strList('hosts');
  if (hosts.length === 0) {
    r.report(o.at('hosts'), Codes.FIELD_REQUIRED, `${o.at('hosts')} must list at least one host`);
  }
  hosts.forEach((h, i) => checkHost(r, `${o.at('hosts')}[${i}]`, h, 'server'));
  return hosts;
}
