/**
 * How the proxy listens and moves bytes. Two implementations with one contract: Node sockets
 * (this file + pipe.ts), and the native addon (native-pipe.ts) when it is built. The proxy sees
 * accepted clients as opaque values it routes, holds or rejects.
 */
import type * as net from 'node:net';
import { bindListener, closeListener } from './listeners';
import { Connection } from './pipe';
import type { ConnectionHost, RoutedConnection } from './routed';
import type { DestinationRuntime } from './runtime';

/** Where a listener is bound: the one shape every data path and the proxy's `listeners()` share. */
export interface BoundAddress {
  readonly key: string;
  readonly address: string;
  /** Port as configured. */
  readonly port: number;
  /** Port actually bound (differs only when `port` is 0). */
  readonly boundPort: number;
}

/** A listening socket, however it is implemented. */
export interface BoundListener extends BoundAddress {
  /** Stops accepting at once; resolves when every connection it accepted has closed. */
  close(): Promise<void>;
}

/** An accepted client connection: a net.Socket, or a native connection id. */
export type Client = net.Socket | number;

export interface Transport {
  readonly name: 'native' | 'js';
  /**
   * Binds `address:port`; resolves once listening, rejects with a BindFailure. `onAccept` gets each
   * new client; `onError` later accept errors (the listener keeps listening).
   */
  bind(key: string, address: string, port: number, onAccept: (client: Client) => void, onError: (err: Error) => void): Promise<BoundListener>;
  /** Routes `client` to `dest`: dials an endpoint and moves bytes until both legs close. */
  connect(host: ConnectionHost, client: Client, dest: DestinationRuntime): RoutedConnection;
  /** The client's IP address, when this data path knows it without a syscall (absent: never known). */
  address?(client: Client): string | null;
  /** Keeps an accepted client waiting (its table is still binding). */
  hold(client: Client): void;
  /** Closes a client that will not be routed. */
  reject(client: Client): void;
  /** True when a held client has gone away already. */
  gone(client: Client): boolean;
}

function ignore(): void {}

/** The data path on Node's net.Socket. */
export const jsTransport: Transport = {
  name: 'js',
  async bind(key, address, port, onAccept, onError) {
    const b = await bindListener(key, address, port, onAccept);
    b.server.on('error', onError);
    return { key, address, port, boundPort: b.boundPort, close: () => closeListener(b.server) };
  },
  connect(host, client, dest) {
    const c = new Connection(host, client as net.Socket, dest);
    c.start();
    return c;
  },
  hold(client) {
    (client as net.Socket).on('error', ignore);
  },
  reject(client) {
    (client as net.Socket).destroy();
  },
  gone(client) {
    return (client as net.Socket).destroyed;
  },
  address(client) {
    return (client as net.Socket).remoteAddress ?? null;
  },
};
