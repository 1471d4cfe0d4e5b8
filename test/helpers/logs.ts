/** A pino logger whose JSON lines are kept in memory, for tests that assert on log fields. */
import { Writable } from 'node:stream';
import pino from 'pino';

/** `log` writes parsed lines into `lines` (newest last); `level` defaults to info. */
export function captureLogs(level = 'info'): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level }, stream), lines };
}

/** The reconcile summary lines (`reconcile finished`) among `lines`. */
export function summaries(lines: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return lines.filter((l) => l.msg === 'reconcile finished');
}
