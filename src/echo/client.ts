/**
 * Small TCP clients, like `nc`: used by the demo and the tests to talk to the proxy and the echo
 * backends. Every client cleans up the socket it opens.
 */
import * as net from 'node:net';

export interface SendOptions {
  /** Write the line then end() the write side, and read until the peer ends (default true). */
  readonly halfClose?: boolean;
  readonly host?: string;
  readonly timeoutMs?: number;
  /** With halfClose, wait this long after writing before ending the write side (`(date; sleep 1) | nc`). */
  readonly holdMs?: number;
}

/**
 * Connects, writes `line` + `\n` and returns what came back: everything until the peer ends
 * (halfClose) or the first line. Rejects with the socket error (e.g. ECONNREFUSED) or on timeout.
 */
export function connectAndSend(port: number, line: string, opts: SendOptions = {}): Promise<string> {
  const halfClose = opts.halfClose ?? true;
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: opts.host ?? '127.0.0.1', port, allowHalfOpen: true });
    let data = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`timeout; got ${JSON.stringify(data)}`));
    }, opts.timeoutMs ?? 5000);
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      s.destroy();
      if (err) reject(err);
      else resolve(data);
    };
    s.setEncoding('utf8');
    s.on('error', done);
    s.on('data', (chunk: string) => {
      data += chunk;
      if (!halfClose && data.includes('\n')) done(null);
    });
    s.on('end', () => done(null));
    s.on('close', () => done(null));
    s.on('connect', () => {
      s.write(`${line}\n`);
      if (!halfClose) return;
      if (opts.holdMs) setTimeout(() => s.end(), opts.holdMs).unref();
      else s.end();
    });
  });
}

/** A kept-open client that sends lines and reads replies one line at a time. */
export class LineClient {
  private buffer = '';
  private waiters: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  private failure: Error | null = null;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.flush();
    });
    socket.on('error', (err) => {
      this.failure = err;
    });
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.failure ??= new Error('closed');
      for (const w of this.waiters.splice(0)) w.reject(this.failure);
      resolve();
    }));
  }

  /** Connects to 127.0.0.1:`port`. */
  static open(port: number, host = '127.0.0.1'): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      // Not half-open: like nc, it ends its side when the peer ends, so close() is observable.
      const s = net.connect({ host, port });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new LineClient(s));
      });
    });
  }

  /** Writes `line` + `\n`, resolves with the next line received (without `\n`). */
  send(line: string, timeoutMs = 5000): Promise<string> {
    this.socket.write(`${line}\n`);
    return this.next(timeoutMs);
  }

  /** The next line received. */
  next(timeoutMs = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const timer = setTimeout(() => reject(new Error('timeout waiting for a line')), timeoutMs);
      this.waiters.push({
        resolve: (l) => { clearTimeout(timer); resolve(l); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.flush();
    });
  }

  private flush(): void {
    let nl = this.buffer.indexOf('\n');
    while (nl >= 0 && this.waiters.length > 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      this.waiters.shift()!.resolve(line);
      nl = this.buffer.indexOf('\n');
    }
  }

  /** Ends and destroys the socket; resolves once closed. */
  async close(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }
}

