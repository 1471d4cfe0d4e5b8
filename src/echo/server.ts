/**
 * The demo backend, like Istio's tcp-echo-server: for every `\n`-terminated line received it
 * writes back `<prefix> <line>\n`. A partial line at end of input is dropped (as Istio's does);
 * when the client half-closes, the replies are flushed and the socket ended.
 */
import * as net from 'node:net';

/** Lines longer than this (without a newline) close the connection. */
export const MAX_LINE_BYTES = 1 << 20;

export interface EchoServer {
  /** Actual ports, in the order asked for (port 0 → the one the OS chose). */
  readonly ports: number[];
  /** Stops listening and destroys open sockets. */
  close(): Promise<void>;
}

/** Listens on every port of `ports` on `host`; rejects (closing what it bound) if one cannot be bound. */
export async function startEcho(ports: number[], prefix: string, host = '127.0.0.1'): Promise<EchoServer> {
  const head = Buffer.from(`${prefix} `);
  const sockets = new Set<net.Socket>();
  const servers: net.Server[] = [];
  const onConnection = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    echoLines(socket, head);
  };
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
  };
  try {
    for (const port of ports) servers.push(await listen(host, port, onConnection));
  } catch (err) {
    await close();
    throw err;
  }
  return {
    ports: servers.map((srv) => {
      const a = srv.address();
      return a !== null && typeof a === 'object' ? a.port : 0;
    }),
    close,
  };
}

function listen(host: string, port: number, onConnection: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Answers each complete line of `socket` with `head + line`, honouring backpressure. */
function echoLines(socket: net.Socket, head: Buffer): void {
  let parts: Buffer[] = [];
  let partBytes = 0;
  socket.on('error', () => socket.destroy());
  socket.on('drain', () => socket.resume());
  socket.on('end', () => socket.end());
  socket.on('data', (chunk: Buffer) => {
    let start = 0;
    let nl = chunk.indexOf(10);
    let ok = true;
    while (nl >= 0) {
      const line = chunk.subarray(start, nl + 1);
      ok = socket.write(parts.length === 0 ? Buffer.concat([head, line]) : Buffer.concat([head, ...parts, line]));
      parts = [];
      partBytes = 0;
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) {
      parts.push(chunk.subarray(start));
      partBytes += chunk.length - start;
      if (partBytes > MAX_LINE_BYTES) {
        socket.destroy();
        return;
      }
    }
    if (!ok) socket.pause();
  });
}
