/**
 * How the proxy listens and moves bytes. Two implementations with one contract: Node sockets
 * (src/proxy/js/) and the native addon (src/proxy/native/) when it is built. The proxy sees
 * accepted clients as opaque values of the transport's own client type, which it routes, holds or
 * rejects.
 */
import { bindHint } from '../errors';
import type { PreambleEnd } from './preamble/judge';
import type { PeerAddress } from './preamble/proxy-protocol';
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

/** How to bind. `reusePort`: join an SO_REUSEPORT group (data-plane workers; the native path only). */
export interface BindOptions {
  readonly reusePort?: boolean;
}

/** A data path, over its own accepted-client type `C` (a net.Socket, or a native connection id). */
export interface Transport<C = unknown> {
  readonly name: 'native' | 'js';
  /**
   * Binds `address:port`; resolves once listening, rejects with a BindFailure. `onAccept` gets each
   * new client; `onError` later accept errors (the listener keeps listening).
   */
  bind(key: string, address: string, port: number, onAccept: (client: C) => void, onError: (err: Error) => void, options?: BindOptions): Promise<BoundListener>;
  /**
   * Routes `client` to `dest`: dials an endpoint and moves bytes until both legs close. With a
   * `preface`, the upstream gets `prefix` first, then what the preamble read past `discard`, then the rest.
   */
  connect(host: ConnectionHost, client: C, dest: DestinationRuntime, preface?: Preface): RoutedConnection;
  /** The client's IP address, when this data path knows it without a syscall (absent: never known). */
  address?(client: C): string | null;
  /** The client's address and the local address it connected to (a syscall on the native path); null when not IP sockets. */
  addresses(client: C): { readonly source: PeerAddress; readonly destination: PeerAddress } | null;
  /**
   * Reads the first bytes of `client` before it is routed, at most `maxBytes`, for at most
   * `timeoutMs`. `onBytes` gets everything read so far each time more arrives (`end` null) and
   * returns true once it has seen enough; else it is called a last time with why the read stopped.
   * The bytes stay the client's: `connect`'s preface says what of them goes upstream.
   */
  preamble(client: C, maxBytes: number, timeoutMs: number, onBytes: (bytes: Uint8Array, end: PreambleEnd) => boolean): void;
  /** Keeps an accepted client waiting (its table is still binding). */
  hold(client: C): void;
  /** Closes a client that will not be routed. */
  reject(client: C): void;
  /** True when a held client has gone away already. */
  gone(client: C): boolean;
}

/** What goes to the upstream before the client's own bytes, after a preamble. */
export interface Preface {
  /** Everything the preamble read (on the native path the bytes are still in the socket: only `discard` matters). */
  readonly read: Uint8Array;
  /** Bytes at the start of `read` never forwarded (a PROXY header from an upstream load balancer). */
  readonly discard: number;
  /** Bytes sent to the upstream first (the PROXY header for the endpoint); null = none. */
  readonly prefix: Uint8Array | null;
}

/** Why a listener could not be bound. */
export class BindFailure extends Error {
  constructor(readonly key: string, readonly address: string, readonly port: number, readonly code: string, cause: Error) {
    super(`cannot listen on ${key}: ${code} (${cause.message})${code === 'EACCES' && port < 1024 ? `; ${bindHint(code, address, port)}` : ''}`);
  }
}
