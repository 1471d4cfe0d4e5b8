/** A tiny client for the admin API, used by `get`, `status` and the demo. */
import { REQUEST_HEADER } from '../admin/guard';

/** GETs (or POSTs) `path` on the admin server; throws an Error saying what to check when it can't. */
export async function adminRequest<T>(base: string, path: string, init: { method?: string; token?: string } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      // The custom header marks a request no web page could send without a preflight (the admin API wants it on POSTs).
      headers: { [REQUEST_HEADER]: '1', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const why = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw new Error(`cannot reach the tcpshift admin API at ${base} (${why}); is \`tcpshift run\` running, and is --admin right?`);
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`admin API ${path} answered ${res.status}: ${text.trim()}`);
  return JSON.parse(text) as T;
}

/** Runs one admin-API command: exit 0 when `fn` resolves, else its error on stderr and exit 1. */
export async function runAdminCommand(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
    process.exit(0);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
