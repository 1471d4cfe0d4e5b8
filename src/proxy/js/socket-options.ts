/** Socket options Node does not expose (keepalive interval and probes, the pending error), set and read through the addon on a net.Socket's descriptor. */
import type * as net from 'node:net';
import type { Logger } from 'pino';
import type { Policy } from '../../model/types';
import { keepaliveArgs, socketOptions } from '../native/binding';

let keepaliveWarned = false;

/** The descriptor under a connected net.Socket (Node keeps it on the handle; undefined if none). */
function fdOf(s: net.Socket): number | undefined {
  return (s as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
}

/**
 * TCP keepalive on `s` as the DestinationRule says. setKeepAlive sets the idle time only (libuv
 * fixes the interval at 1 s and the probes at 10), so the addon, when it is built, sets all three;
 * without it, one warning says interval and probes are not applied.
 */
export function applyKeepalive(s: net.Socket, ka: Policy['tcpKeepalive'], log: Logger): void {
  if (ka === null) return;
  const fd = fdOf(s);
  const binding = socketOptions();
  if (binding !== null && fd !== undefined && fd >= 0) {
    binding.setKeepalive(fd, ...keepaliveArgs(ka));
  } else if (!keepaliveWarned) {
    keepaliveWarned = true;
    log.warn({ reason: binding === null ? 'native addon not loaded' : 'no descriptor' }, 'tcpKeepalive interval and probes not applied: only the idle time is set');
  }
}

/**
 * libuv reports a reset that arrives together with data as the end of the stream (it does not read
 * on after a short read when the socket hangs up), so an 'end' may be a reset: the socket's pending
 * error says (with the addon; without it, such a reset is passed on as a FIN).
 */
export function resetPending(s: net.Socket): NodeJS.ErrnoException | null {
  const binding = socketOptions();
  const fd = fdOf(s);
  if (binding === null || fd === undefined || fd < 0) return null;
  const errno = binding.pendingError(fd);
  if (errno === 0) return null;
  const code = binding.errorName(-errno);
  return Object.assign(new Error(`read ${code}`), { code });
}

/** Bytes waiting unread in the kernel for `s` (SIOCINQ through the addon); 0 when it cannot tell. */
export function unreadBytes(s: net.Socket): number {
  const binding = socketOptions();
  const fd = fdOf(s);
  return binding === null || fd === undefined || fd < 0 ? 0 : binding.unread(fd);
}

/**
 * Sends `s`'s FIN now, through the addon (end() sends it an event-loop turn later, and whatever the
 * peer writes meanwhile is dropped by a gentle close); only for a socket with nothing queued. The
 * end() that follows finds it done. False when it cannot (no addon, queued bytes).
 */
export function finishNow(s: net.Socket): boolean {
  const binding = socketOptions();
  const fd = fdOf(s);
  if (binding === null || fd === undefined || fd < 0 || s.writableLength > 0) return false;
  return binding.finishWrite(fd) === 0;
}
