/** The JavaScript data path as a Transport: listeners on net.Server, connections piped by pipe.ts. */
import type * as net from 'node:net';
import type { Transport } from '../transport';
import { bindListener, closeListener } from './listeners';
import { Connection } from './pipe';
import { readPreamble } from './preamble';

function ignore(): void {}

/** The data path on Node's net.Socket. */
export const jsTransport: Transport<net.Socket> = {
  name: 'js',
  async bind(key, address, port, onAccept, onError) {
    const b = await bindListener(key, address, port, onAccept);
    b.server.on('error', onError);
    return { key, address, port, boundPort: b.boundPort, close: () => closeListener(b.server) };
  },
  connect(host, client, dest, preface) {
    const c = new Connection(host, client, dest, preface);
    c.start();
    return c;
  },
  hold(client) {
    client.on('error', ignore);
  },
  reject(client) {
    client.destroy();
  },
  gone(client) {
    return client.destroyed;
  },
  address(client) {
    return client.remoteAddress ?? null;
  },
  addresses(client) {
    const { remoteAddress, remotePort, localAddress, localPort } = client;
    if (remoteAddress === undefined || remotePort === undefined || localAddress === undefined || localPort === undefined) return null;
    return { source: { address: remoteAddress, port: remotePort }, destination: { address: localAddress, port: localPort } };
  },
  preamble: readPreamble,
};
