/** Gateway spec reader: selector, TCP-family servers and TLS passthrough servers (other protocols are skipped with SERVER_SKIPPED). Pure. */
import { Codes } from '../errors';
import { compact } from './fields';
import { isTlsProtocol, readServerTls } from './gateway-tls';
import { checkName } from './names';
import { asObj, type Obj } from './obj';
import { checkProtocol } from './protocol';
import type { DocReader, Field } from './reader';
import type { GatewayServer, GatewaySpec } from './types';

/** The Gateway spec; servers that cannot be read are reported and left out (but still counted). */
export function readGateway(spec: Obj, acceptProxyProtocol?: true): GatewaySpec {
  const selector = spec.strMap('selector');
  const written = spec.list('servers');
  const servers: GatewayServer[] = [];
  written.forEach((f, index) => {
    const s = readServer(spec.r, f, index);
    if (s) servers.push(s);
  });
  spec.done();
  return compact({ selector, servers, serverCount: written.length, acceptProxyProtocol });
}

function readServer(r: DocReader, f: Field, index: number): GatewayServer | undefined {
  const o = asObj(r, f);
  if (!o) return undefined;
  const port = o.obj('port', true);
  const protocol = port?.str('protocol', true);
  if (!port || protocol === undefined) return undefined;
  // TCP, MONGO, MYSQL and REDIS are opaque TCP to Istio (protocol.IsTCP) and to tcpshift.
  const kind = checkProtocol(r, port.at('protocol'), protocol);
  if (kind === 'unknown') return undefined;
  // TLS and HTTPS with tls.mode PASSTHROUGH are served by SNI (src/manifest/gateway-tls.ts).
  const tlsServer = kind === 'skipped' && isTlsProtocol(protocol);
  if (kind === 'skipped' && !tlsServer) {
    // Not ours to read: its tls, hosts and the rest are Istio's business, not tcpshift's.
    r.report(f.path, Codes.SERVER_SKIPPED, `${f.path}: protocol ${protocol} is not served as TCP by tcpshift; server skipped`, 'warning');
    return undefined;
  }
  // A TLS/HTTPS server tcpshift does not serve (reported) is left unread, as a skipped server is.
  if (tlsServer && readServerTls(r, o, f.path, protocol) === 'skipped') return undefined;
  const number = port.port('number', true);
  const name = port.str('name') ?? '';
  if (name !== '') checkName(r, port.at('name'), name, 'label');
  port.ignore('targetPort');
  port.done();

  // Whether `bind` is an IP address is checked by the model (FIELD_ADDRESS).
  const bind = o.str('bind');
  const hosts = o.strList('hosts');
  const tls = tlsServer ? undefined : o.get('tls');
  if (tls) r.report(tls.path, Codes.FIELD_UNKNOWN, `${tls.path} has no meaning for a TCP server; ignored`, 'warning');
  o.ignore('name');
  o.done();
  if (number === undefined) return undefined;
  return compact({ index, port: { number, name, protocol }, bind, hosts, passthrough: tlsServer ? true as const : undefined });
}
