/** Parsing of CLI flag values: durations, host:port, labels, sizes. Each throws InvalidArgumentError with the flag's expectation. */
import { InvalidArgumentError } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../duration';

/** `500ms`, `1s`, `2m` → milliseconds. */
export function durationArg(value: string): number {
  const ms = parseDuration(value);
  if (ms === null || ms < 0) throw new InvalidArgumentError(`expected a duration like 500ms, 10s or 2m, got ${JSON.stringify(value)}`);
  return ms;
}

/** A duration above zero (`--git-timeout`). */
export function positiveDurationArg(value: string): number {
  const ms = durationArg(value);
  if (ms === 0) throw new InvalidArgumentError(`expected a duration above zero like 30s, got ${JSON.stringify(value)}`);
  return ms;
}

/** `name,name2` → host names or addresses (`[::1]` or `::1`), lower-cased; empty parts dropped. */
export function hostListArg(value: string): string[] {
  const names = value.split(',').map((s) => s.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')).filter(Boolean);
  for (const n of names) {
    if (!/^[a-z0-9.:_-]+$/.test(n)) throw new InvalidArgumentError(`expected host names like tcpshift.example.com,10.0.0.5, got ${JSON.stringify(value)}`);
  }
  return names;
}

/** `host:port` (or `[::1]:port`, or `:port` for 127.0.0.1, or a full `http://host:port` URL). */
export function hostPortArg(value: string): { host: string; port: number } {
  const v = value.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`expected host:port such as 127.0.0.1:15000, got ${JSON.stringify(value)}`);
  }
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/** `k=v,k2=v2` → labels. */
export function labelsArg(value: string): Record<string, string> {
  const entries: [string, string][] = [];
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`expected labels like istio=ingressgateway,zone=a, got ${JSON.stringify(value)}`);
    entries.push([part.slice(0, eq), part.slice(eq + 1)]);
  }
  // fromEntries defines own keys: `__proto__=x` is a label, not an attempt to set the prototype.
  return Object.fromEntries(entries);
}

/** A positive whole number (also `1MiB`, `16MiB`, `512KiB`). */
export function sizeArg(value: string): number {
  const m = /^(\d+)\s*(KiB|MiB|GiB|k|m|g)?$/i.exec(value.trim());
  const mult: Record<string, number> = { kib: 1024, k: 1024, mib: 1 << 20, m: 1 << 20, gib: 1 << 30, g: 1 << 30 };
  const n = m ? Number(m[1]) * (m[2] ? mult[m[2].toLowerCase()] ?? NaN : 1) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a size like 1048576 or 1MiB, got ${JSON.stringify(value)}`);
  return n;
}

/** A TCP port, 1–65535. */
export function portArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`expected a port 1-65535, got ${JSON.stringify(value)}`);
  return n;
}

/** A whole number ≥ 1. */
export function countArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1, got ${JSON.stringify(value)}`);
  return n;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** One of pino's levels (`trace` … `error`, also `fatal` and `silent`). */
export function logLevelArg(value: string): string {
  if (!LOG_LEVELS.includes(value)) throw new InvalidArgumentError(`expected one of trace, debug, info, warn, error (or fatal, silent), got ${JSON.stringify(value)}`);
  return value;
}

/** `$XDG_STATE_HOME/tcpshift`, else `~/.local/state/tcpshift`. */
export function defaultStateDir(): string {
  const xdg = process.env.XDG_STATE_HOME;
  return join(xdg && xdg !== '' ? xdg : join(homedir(), '.local', 'state'), 'tcpshift');
}

/** Base URL of the admin server from an `--admin` value. */
export function adminUrl(value: string): string {
  const { host, port } = hostPortArg(value);
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
