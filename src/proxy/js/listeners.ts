/** Binding and closing listening sockets on Node's net.Server (the JavaScript data path). */
import * as net from 'node:net';
import { BindFailure, type BoundAddress } from '../transport';

/** A net.Server the proxy listens on. */
export interface BoundServer extends BoundAddress {
  readonly server: net.Server;
}

/** Binds `address:port` with half-open sockets; resolves once listening, rejects with a BindFailure. */
export function bindListener(
  key: string,
  address: string,
  port: number,
  onConnection: (socket: net.Socket) => void,
): Promise<BoundServer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
    const onError = (err: NodeJS.ErrnoException): void => {
      server.close();
      reject(new BindFailure(key, address, port, err.code ?? 'EUNKNOWN', err));
    };
    server.once('error', onError);
    server.listen({ host: address, port, exclusive: true }, () => {
      server.off('error', onError);
      const a = server.address();
      const boundPort = a !== null && typeof a === 'object' ? a.port : port;
      resolve({ key, address, port, boundPort, server });
    });
  });
}

/** Stops accepting at once; resolves when every connection the server accepted has closed. */
export function closeListener(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
  });
}
