/**
 * Listener ports for the big repos (1,000–10,000 routes). They come from below Linux's ephemeral
 * range, so no outgoing connection or listen(0) can take one between the check and the bind, and
 * from below 20,000, where the test helpers pick theirs (test/helpers/net.ts). Each port is checked
 * free on 127.0.0.1 right before it is handed out; the admin default (15000) and the demo's (31400)
 * are never used.
 */
import { readFileSync } from 'node:fs';
import * as net from 'node:net';

const LOW = 3000;
const HIGH = 19_999;
const NEVER = new Set([15000, 31400]);
let cursor = LOW;

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** The low end of the ephemeral port range (32768 on stock Linux). */
export function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32768;
  }
}

/** The most listeners this range can hold (what the 10,000-route repo needs, plus a few). */
export const LOW_PORT_CAPACITY = HIGH - LOW + 1 - NEVER.size;

/**
 * `n` distinct ports free on 127.0.0.1 now, from the block below 20,000, continuing where the last
 * call stopped (a process that just exited may still hold its ports in TIME_WAIT). Throws when the
 * block does not have `n` free ports or the ephemeral range starts inside it.
 */
export async function lowPorts(n: number): Promise<number[]> {
  if (ephemeralLow() <= HIGH) throw new Error(`the ephemeral port range starts at ${ephemeralLow()}, inside the bench's block ${LOW}–${HIGH}`);
  const out: number[] = [];
  let scanned = 0;
  const span = HIGH - LOW + 1;
  while (out.length < n && scanned < span) {
    const batch: number[] = [];
    while (batch.length < 200 && scanned < span) {
      const p = cursor;
      cursor = cursor >= HIGH ? LOW : cursor + 1;
      scanned++;
      if (!NEVER.has(p)) batch.push(p);
    }
    const free = await Promise.all(batch.map(tryListen));
    for (let i = 0; i < batch.length && out.length < n; i++) if (free[i]) out.push(batch[i]!);
  }
  if (out.length < n) throw new Error(`only ${out.length} of ${n} ports free between ${LOW} and ${HIGH} on 127.0.0.1`);
  return out;
}
