/**
 * The socket file of a Unix domain socket listener (`unix:///path`), for both data paths: a stale
 * one (a socket nothing listens on, left by a process that died) is removed before binding; a live
 * one, or a file that is not a socket, is left alone and the bind fails with EADDRINUSE. The file
 * keeps the permissions bind(2) gives it (the umask's); closing the listener removes it.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import * as net from 'node:net';
import { BindFailure } from './transport';

/** Makes `path` free to bind: removes a stale socket file; rejects with a BindFailure when it is in use or not a socket. */
export async function claimUnixPath(key: string, address: string, path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // absent (or unreadable: bind says why)
  }
  const inUse = (why: string) => new BindFailure(key, address, 0, 'EADDRINUSE', Object.assign(new Error(why), { code: 'EADDRINUSE' }));
  if (!isSocket) throw inUse(`${path} exists and is not a socket; it is left alone`);
  if (!(await stale(path))) throw inUse(`something listens on ${path}`);
  try {
    unlinkSync(path);
  } catch {
    // gone meanwhile: bind will tell
  }
}

/** Removes the socket file of a closed listener (if it is still a socket). */
export function releaseUnixPath(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // already gone
  }
}

/** True when a connect to the socket at `path` is refused: nothing listens on it. */
function stale(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}
