/** Binding and closing listening sockets on Node's net.Server (the JavaScript data path). */
import * as net from 'node:net';
import { unixPath } from '../../model/address';
import { BindFailure, type BoundAddress } from '../transport';
import { claimUnixPath } from '../unix-socket';

/** A net.Server the proxy listens on. */
export interface BoundServer extends BoundAddress {
  readonly server: net.Server;
}

/**
 * Binds `address:port` (or the Unix socket of a `unix:///path` address; libuv removes its file on
 * close) with half-open sockets; resolves once listening, rejects with a BindFailure.
 */
export async function bindListener(
  key: string,
  address: string,
  port: number,
  onConnection: (socket: net.Socket) => void,
): Promise<BoundServer> {
  const path = unixPath(address);
  if (path !== null) await claimUnixPath(key, address, path);
  return new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
    const onError = (err: NodeJS.ErrnoException): void => {
      server.close();
      reject(new BindFailure(key, address, port, err.code ?? 'EUNKNOWN', err));
    };
    server.once('error', onError);
    server.listen(path !== null ? { path, exclusive: true } : { host: address, port, exclusive: true }, () => {
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
