/** Long-lived loopback clients for the connection-policy tests: kept open, optionally busy, optionally reconnecting. */
import * as net from 'node:net';

/** One kept-open connection (from `localAddress` if given) that sends lines and reads reply lines. */
export class Peer {
  private buffer = '';
  private waiters: ((line: string | null) => void)[] = [];
  isClosed = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl = this.buffer.indexOf('\n');
      while (nl >= 0 && this.waiters.length > 0) {
        this.waiters.shift()!(this.buffer.slice(0, nl));
        this.buffer = this.buffer.slice(nl + 1);
        nl = this.buffer.indexOf('\n');
      }
    });
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.isClosed = true;
      for (const w of this.waiters.splice(0)) w(null);
      resolve();
    }));
  }

  static open(port: number, localAddress?: string): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new Peer(s));
      });
    });
  }

  /** Writes `line`; resolves with the reply line, or null when the connection closed first. */
  send(line: string): Promise<string | null> {
    if (this.isClosed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.socket.write(`${line}\n`);
    });
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}

/** Opens one connection from `localAddress`, sends `line`, returns the reply's first word (the backend's prefix). */
export async function versionFrom(port: number, localAddress: string, line = 'hi'): Promise<string> {
  const p = await Peer.open(port, localAddress);
  try {
    const reply = await p.send(line);
    if (reply === null) throw new Error(`closed before a reply (from ${localAddress})`);
    return reply.split(' ')[0]!;
  } finally {
    await p.close();
  }
}

/**
 * A client that holds one connection: it learns its version with one line, then either stays
 * quiet or (busy) sends a line every `everyMs`; when the proxy closes it, it reconnects (if asked).
 * Counts closes, lines sent, replies and lines that were in flight when the connection closed.
 */
export class Holder {
  version: string | null = null;
  closes = 0;
  inFlightAtClose = 0;
  sent = 0;
  answered = 0;
  private peer: Peer | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly port: number, private readonly opts: { everyMs?: number; reconnect?: boolean; localAddress?: string } = {}) {}

  /** Connects and learns the version; resolves once it knows it. */
  async start(): Promise<void> {
    const peer = await Peer.open(this.port, this.opts.localAddress);
    this.peer = peer;
    void peer.closed.then(() => this.onClose());
    const reply = await this.exchange(peer);
    this.version = reply?.split(' ')[0] ?? null;
    if (this.opts.everyMs !== undefined) this.schedule(peer);
  }

  get open(): boolean {
    return this.peer !== null && !this.peer.isClosed;
  }

  private async exchange(peer: Peer): Promise<string | null> {
    this.sent++;
    const reply = await peer.send(`m${this.sent}`);
    if (reply === null) this.inFlightAtClose++;
    else this.answered++;
    return reply;
  }

  private schedule(peer: Peer): void {
    this.timer = setTimeout(() => {
      if (peer.isClosed || this.stopped) return;
      void this.exchange(peer).then((r) => { if (r !== null) this.schedule(peer); });
    }, this.opts.everyMs);
  }

  private onClose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.stopped) return;
    this.closes++;
    this.version = null;
    if (this.opts.reconnect) void this.start().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.peer?.close();
  }
}
