/**
 * Loads the optional native data path (src/proxy/native/addon.cc, built by `npm ci` through
 * node-gyp into build/Release). Absent, unbuildable or switched off with TCPSHIFT_NATIVE=0, the
 * proxy moves bytes with Node sockets instead; both paths pass the same tests.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The addon's functions (see addon.cc for the contract of each). */
export interface NativeBinding {
  /** Hands over the shared event array (4 numbers per event) and the function that drains it. */
  init(events: Float64Array, flush: (count: number) => void): void;
  /** Binds and listens; returns [listenerId, boundPort]; throws an Error whose `code` is e.g. EADDRINUSE. */
  listen(host: string, port: number, backlog: number): [number, number];
  /** Stops accepting on a listener at once. */
  closeListener(id: number): void;
  /** Dials the upstream of an accepted connection; 0, or a negative libuv error code. */
  dial(id: number, ip: string, port: number, connectTimeoutMs: number, idleTimeoutMs: number, keepaliveMs: number): number;
  /** Closes both legs now; a closed event follows. */
  destroy(id: number): void;
  /** `ECONNREFUSED` for the libuv code of connection refused, etc. */
  errorName(code: number): string;
  /** Connections accepted and not yet closed. */
  live(): number;
}

/** Event types in the shared array: [type, connection id, a, b]. */
export const EV_ACCEPT = 1; // a = listener id
export const EV_CONNECTED = 2;
export const EV_CONNECT_FAILED = 3; // a = libuv error code
export const EV_CLOSED = 4; // a = bytes received from the client, b = bytes sent to it
export const EV_ACCEPT_ERROR = 5; // id = listener id, a = libuv error code

let loaded: NativeBinding | null | undefined;
let loadError: string | null = null;

/** The addon, or null when it is not built, fails to load, or TCPSHIFT_NATIVE=0. Loaded once. */
export function nativeBinding(): NativeBinding | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env['TCPSHIFT_NATIVE'] === '0') {
    loadError = 'switched off (TCPSHIFT_NATIVE=0)';
    return null;
  }
  const file = addonFile();
  if (file === null) {
    loadError = 'not built (no build/Release/tcpshift_native.node)';
    return null;
  }
  try {
    const b = require(file) as Partial<NativeBinding>;
    if (typeof b.listen === 'function') loaded = b as NativeBinding;
    else loadError = 'not supported on this platform';
  } catch (err) {
    loadError = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  }
  return loaded;
}

/** build/Release/tcpshift_native.node of the package this file is in (src/, dist/ or a copy below). */
function addonFile(): string | null {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'binding.gyp'))) {
      const file = join(dir, 'build', 'Release', 'tcpshift_native.node');
      return existsSync(file) ? file : null;
    }
    if (dirname(dir) === dir) return null;
  }
}

/** Why nativeBinding() returned null (null when it loaded). */
export function nativeLoadError(): string | null {
  return loadError;
}
