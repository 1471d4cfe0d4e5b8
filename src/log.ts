/** The one root logger: pino JSON lines on stdout, or pretty lines for a person at a terminal. */
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty' | 'auto';

/** Returns the root logger; `auto` is pretty when stdout is a TTY. Components take `child({ component })`. */
export function createLogger(opts: { level?: string; format?: LogFormat; destination?: DestinationStream } = {}): Logger {
  const level = opts.level ?? 'info';
  const wantPretty = opts.format === 'pretty' || (opts.format !== 'json' && !opts.destination && process.stdout.isTTY === true);
  const base = { level, base: { pid: process.pid }, redact: { paths: ['token', 'secret', 'password', '*.token', '*.secret', '*.password', 'headers.authorization'], censor: '***' } };
  if (wantPretty) return pino(base, pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true }));
  return pino(base, opts.destination ?? pino.destination({ dest: 1, sync: true }));
}
