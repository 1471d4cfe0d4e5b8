/**
 * Loads the optional native data path (src/proxy/native/addon.cc, built by `npm ci` through
 * node-gyp into build/Release). Absent, unbuildable or switched off with TCPSHIFT_NATIVE=0, the
 * proxy moves bytes with Node sockets instead; both paths pass the same tests.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Policy } from '../../model/types';

/** Numbers the addon and this side share, defined once in the addon (proxy.h). */
export interface NativeConstants {
  /** Event types in the shared array: [type, connection id, a, b]. a = listener id, b = an IPv4 client address as a number (host order), -1 for others. */
  readonly EV_ACCEPT: number;
  readonly EV_CONNECTED: number;
  /** a = libuv error code. */
  readonly EV_CONNECT_FAILED: number;
  /** a = bytes received from the client, b = bytes taken for it from the upstream (as the JS path's bytesWritten, queued ones included). */
  readonly EV_CLOSED: number;
  /** id = listener id, a = libuv error code, b = waiting connections shed. */
  readonly EV_ACCEPT_ERROR: number;
  /** As EV_CLOSED, ended because the upstream reset or failed (the client was reset). */
  readonly EV_UPSTREAM_RESET: number;
  /** Connection ids are `slot + generation × SLOT_SPACE`. */
  readonly SLOT_SPACE: number;
  /** The largest TCP_KEEPIDLE / TCP_KEEPINTVL (seconds) and TCP_KEEPCNT Linux takes. */
  readonly KEEPALIVE_MAX_SECONDS: number;
  readonly KEEPALIVE_MAX_PROBES: number;
}

/** The preamble phase's numbers (preamble.cc). */
export interface PreambleConstants {
  /** id = connection, a = bytes peeked so far, b = why the read stopped (PE_*). */
  readonly EV_PREAMBLE: number;
  readonly PE_MORE: number;
  readonly PE_EOF: number;
  readonly PE_TIMEOUT: number;
  readonly PE_FULL: number;
}

/** The addon's functions (see addon.cc and preamble.cc for the contract of each). */
export interface NativeBinding {
  readonly constants: NativeConstants;
  /** Hands over the shared event array (4 numbers per event) and the function that drains it. */
  init(events: Float64Array, flush: (count: number) => void): void;
  /** Binds and listens (host: an IP, or a Unix socket path starting with '/'; `reusePort`: SO_REUSEPORT); returns [listenerId, boundPort]; throws an Error whose `code` is e.g. EADDRINUSE. */
  listen(host: string, port: number, backlog: number, reusePort?: boolean): [number, number];
  /** Stops accepting on a listener at once. */
  closeListener(id: number): void;
  /**
   * Dials the upstream of an accepted connection (durations 64-bit; keepalive in seconds and probes,
   * keepIdleS 0 = off); 0, a negative libuv error code, or 1 when the client has closed already.
   */
  dial(id: number, ip: string, port: number, connectTimeoutMs: number, idleTimeoutMs: number, keepIdleS: number, keepIntvlS: number, keepCnt: number): number;
  /** Closes both legs now; a closed event follows. */
  destroy(id: number): void;
  /**
   * Closes gently: what was read is written, a FIN on both legs, later input dropped; a closed event
   * follows once both peers have sent their FIN. 1 when done (or closed already), 0 when
   * `onlyIfQuiet` and bytes are owed or wait unread in either socket (nothing done), -1 for an unknown id.
   */
  shut(id: number, onlyIfQuiet: boolean): number;
  /**
   * Fills out[2 slot] with when an epoll event last reached connection `slot` (ms, 0 for a free
   * slot) and out[2 slot + 1] with the bytes it owes, for every slot below out.length / 2; returns
   * how many slots are in use (call again with a longer array when that is more).
   */
  activity(out: Float64Array): number;
  /** The client's address as text, null when unknown (IPv4 clients come with EV_ACCEPT). */
  peer(id: number): string | null;
  /** Bytes waiting unread in socket `fd` of this process (SIOCINQ). */
  unread(fd: number): number;
  /** shutdown(SHUT_WR) now on socket `fd` of this process (nothing may be queued on it); 0 or a negative errno. */
  finishWrite(fd: number): number;
  /** `ECONNREFUSED` for the libuv code of connection refused, etc. */
  errorName(code: number): string;
  /** Sets SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT on socket `fd` of this process; 0 or a negative errno. */
  setKeepalive(fd: number, idleS: number, intvlS: number, cnt: number): number;
  /** The pending error of socket `fd` of this process (SO_ERROR, which reading clears): an errno, 0 when none. */
  pendingError(fd: number): number;
  /** [SO_KEEPALIVE, TCP_KEEPIDLE s, TCP_KEEPINTVL s, TCP_KEEPCNT] of socket `fd` of this process (for tests). */
  keepaliveOf(fd: number): [number, number, number, number];
  /** Connections accepted and not yet closed. */
  live(): number;
  readonly preambleConstants: PreambleConstants;
  /** Peeks at the client's first bytes (at most maxBytes, for at most timeoutMs), reporting EV_PREAMBLE; 0, or 1 when closed. */
  preamble(id: number, maxBytes: number, timeoutMs: number): number;
  /** Copies the peeked bytes into `bytes`; how many, or -1 when the connection has closed. */
  peek(id: number, bytes: Uint8Array): number;
  /** Ends the preamble: drops `discard` bytes, queues `prefix` for the upstream; 0, 1 when closed, or a negative errno. Before dial(). */
  preface(id: number, discard: number, prefix?: Uint8Array): number;
  /** [peer ip, peer port, local ip, local port] of the client socket, or null. */
  addresses(id: number): [string, number, string, number] | null;
}

/** A DestinationRule's tcpKeepalive as setsockopt takes it: [idle s, interval s, probes]; zeros when off. */
export function keepaliveArgs(ka: Policy['tcpKeepalive']): [number, number, number] {
  if (ka === null) return [0, 0, 0];
  const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000));
  return [seconds(ka.timeMs), seconds(ka.intervalMs), Math.max(1, ka.probes)];
}

let loaded: NativeBinding | null | undefined;
let loadError: string | null = null;

/** The addon, or null when it is not built, fails to load, or TCPSHIFT_NATIVE=0. Loaded once. */
export function nativeBinding(): NativeBinding | null {
  if (process.env['TCPSHIFT_NATIVE'] === '0') {
    loadError = 'switched off (TCPSHIFT_NATIVE=0)';
    return null;
  }
  return loadAddon();
}

/**
 * The addon for socket options only (keepalive interval and probes, a socket's pending error), also
 * when TCPSHIFT_NATIVE=0 keeps the bytes on Node sockets; null when it is not built.
 */
export function socketOptions(): NativeBinding | null {
  return loadAddon();
}

function loadAddon(): NativeBinding | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  const file = addonFile();
  if (file === null) {
    loadError = 'not built (no build/Release/tcpshift_native.node)';
    return null;
  }
  try {
    const b = require(file) as Partial<NativeBinding>;
    if (typeof b.listen !== 'function') loadError = 'not supported on this platform';
    else if (typeof b.setKeepalive !== 'function' || typeof b.shut !== 'function' || typeof b.preamble !== 'function') loadError = 'built from older sources (run `npx node-gyp rebuild`)';
    else loaded = b as NativeBinding;
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
