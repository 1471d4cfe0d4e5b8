/** The preamble read on a net.Socket (the JavaScript data path): bytes gathered until the proxy has seen enough. */
import type * as net from 'node:net';
import type { PreambleEnd } from '../preamble/judge';

/**
 * Reads `client` until `onBytes` returns true, `maxBytes` are read, it ends or errors, or
 * `timeoutMs` pass; then stops reading (the socket is paused, its bytes kept in the buffer given
 * to onBytes). An 'error' handler is kept on the socket until it is routed or destroyed.
 */
export function readPreamble(client: net.Socket, maxBytes: number, timeoutMs: number, onBytes: (bytes: Uint8Array, end: PreambleEnd) => boolean): void {
  let buf: Buffer = Buffer.alloc(0);
  let done = false;
  const stop = (): void => {
    done = true;
    clearTimeout(timer);
    client.off('data', onData);
    client.off('end', onEnd);
    client.off('close', onEnd);
    client.pause();
  };
  const finish = (end: Exclude<PreambleEnd, null>): void => {
    if (done) return;
    stop();
    onBytes(buf, end);
  };
  const onData = (d: Buffer): void => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    if (buf.length >= maxBytes) finish('full');
    else if (onBytes(buf, null)) stop();
  };
  const onEnd = (): void => finish('eof');
  const timer = setTimeout(() => finish('timeout'), timeoutMs);
  client.on('error', ignore);
  client.on('data', onData);
  client.on('end', onEnd);
  client.on('close', onEnd);
}

function ignore(): void {}
