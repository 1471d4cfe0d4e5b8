/**
 * The worker thread of bench/longlived.ts: `workerData.clients` clients on 127.0.0.1:`port`, each
 * holding one connection and sending a line every 100–500 ms, one at a time; on close it
 * reconnects and resends what was unanswered. Posts `{}` once every client is connected, and the
 * totals after a `stop` message (each client's last line answered, or 3 s).
 */
import * as net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

/** What the clients report at the end. */
export interface ClientTotals { sent: number; lost: number; inFlightAtClose: number }

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One client: a line every 100–500 ms, one at a time; on close, reconnects and resends what was unanswered. */
class Client {
  sent = 0;
  answered = 0;
  inFlightAtClose = 0;
  private outstanding: string | null = null;
  private socket: net.Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private buf = '';
  private seq = 0;

  constructor(private readonly port: number, private readonly id: number) {}

  connect(): Promise<void> {
    return new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: this.port });
      this.socket = s;
      s.setEncoding('utf8');
      s.on('error', () => undefined);
      s.on('connect', () => {
        if (this.outstanding !== null) s.write(`${this.outstanding}\n`);
        else this.schedule();
        resolve();
      });
      s.on('data', (chunk: string) => this.onData(chunk));
      s.on('close', () => {
        if (this.timer !== null) clearTimeout(this.timer);
        if (this.outstanding !== null) this.inFlightAtClose++;
        this.buf = '';
        resolve();
        if (!this.stopped) setTimeout(() => void this.connect(), 5);
      });
    });
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl = this.buf.indexOf('\n');
    while (nl >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (this.outstanding !== null && line.endsWith(` ${this.outstanding}`)) {
        this.outstanding = null;
        this.answered++;
        if (!this.stopped) this.schedule();
      }
      nl = this.buf.indexOf('\n');
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      const s = this.socket;
      if (s === null || s.destroyed || this.outstanding !== null) return;
      this.outstanding = `c${this.id}-${++this.seq}`;
      this.sent++;
      s.write(`${this.outstanding}\n`);
    }, 100 + Math.random() * 400);
  }

  /** Stops sending; resolves once the last line is answered (or after 3 s). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    const end = Date.now() + 3000;
    while (this.outstanding !== null && Date.now() < end) await sleep(10);
    this.socket?.destroy();
  }

  get lost(): number {
    return this.sent - this.answered;
  }
}

async function main(port: number, n: number): Promise<void> {
  const clients: Client[] = [];
  for (let i = 0; i < n; i++) {
    const c = new Client(port, i);
    clients.push(c);
    await c.connect();
  }
  parentPort!.postMessage({});
  parentPort!.once('message', () => {
    void Promise.all(clients.map((c) => c.stop())).then(() => {
      const totals: ClientTotals = {
        sent: clients.reduce((s, c) => s + c.sent, 0),
        lost: clients.reduce((s, c) => s + c.lost, 0),
        inFlightAtClose: clients.reduce((s, c) => s + c.inFlightAtClose, 0),
      };
      parentPort!.postMessage(totals);
    });
  });
}

if (parentPort !== null) {
  const d = workerData as { port: number; clients: number };
  void main(d.port, d.clients);
}
