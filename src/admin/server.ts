/** The admin HTTP server: health, readiness, status, applied config, metrics and a manual reconcile. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Reconciler } from '../reconcile/reconciler';
import type { ProxySnapshot } from '../proxy/snapshot';
import { appliedConfig } from './config-view';
import { webhookRoute, type WebhookOptions } from './webhook';

/** The proxy as the admin server sees it. */
export interface ProxyView {
  /** JSON view of listeners, routes, destinations and connection counts. */
  snapshot(): ProxySnapshot;
}

/** Produces the Prometheus text exposition. */
export interface MetricsView {
  readonly contentType: string;
  render(): Promise<string>;
}

export interface AdminOptions {
  readonly host: string;
  readonly port: number;
  /** When set, mutating endpoints need `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** When set, POST /webhook accepts signed push events for this branch (it answers 404 otherwise). */
  readonly webhook?: WebhookOptions;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** Starts the admin server; resolves once it listens (port 0 picks a free one: read `address()`). */
export async function startAdmin(opts: AdminOptions, deps: { reconciler: Reconciler; proxy: ProxyView; metrics?: MetricsView; log: Logger }): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const { reconciler, proxy, metrics, log } = deps;
  const routes: Record<string, Handler> = {
    'GET /healthz': (_q, res) => send(res, 200, 'ok\n'),
    'GET /readyz': (_q, res) => (reconciler.applied() ? send(res, 200, 'ready\n') : send(res, 503, 'no revision applied yet\n')),
    'GET /status': (_q, res) => json(res, 200, { ...reconciler.status(), ...proxy.snapshot() }),
    'GET /config': (_q, res) => json(res, 200, appliedConfig(reconciler.applied())),
    'GET /metrics': async (_q, res) => {
      if (!metrics) return send(res, 404, 'metrics disabled\n');
      send(res, 200, await metrics.render(), metrics.contentType);
    },
    'POST /reconcile': async (req, res) => {
      if (!authorized(req, opts.token)) return json(res, 401, { error: 'missing or wrong bearer token' });
      json(res, 200, await reconciler.trigger('manual', true));
    },
    'POST /suspend': async (req, res) => {
      if (!authorized(req, opts.token)) return json(res, 401, { error: 'missing or wrong bearer token' });
      const reason = new URL(req.url ?? '/', 'http://admin').searchParams.get('reason') ?? 'manual';
      const s = await reconciler.suspend(reason.slice(0, 200));
      json(res, 200, { suspended: s.suspended, suspendedAt: s.suspendedAt, reason: s.suspendedReason, lastAppliedRevision: s.lastAppliedRevision, pendingRevision: s.pendingRevision });
    },
    'POST /resume': async (req, res) => {
      if (!authorized(req, opts.token)) return json(res, 401, { error: 'missing or wrong bearer token' });
      json(res, 200, await reconciler.resume());
    },
    'POST /webhook': webhookRoute(opts.webhook, () => void reconciler.trigger('webhook'), log),
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handler = routes[`${req.method} ${path}`];
    if (!handler) {
      const allowed = Object.keys(routes).some((k) => k.endsWith(` ${path}`));
      return json(res, allowed ? 405 : 404, { error: allowed ? 'method not allowed' : 'not found' });
    }
    Promise.resolve(handler(req, res)).catch((err: unknown) => {
      log.error({ err, path }, 'admin request failed');
      if (!res.headersSent) json(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  log.info({ host: opts.host, port }, 'admin server listening');
  return {
    server,
    port,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

function authorized(req: IncomingMessage, token?: string): boolean {
  if (!token) return true;
  const got = req.headers.authorization ?? '';
  const want = `Bearer ${token}`;
  if (got.length !== want.length) return false;
  let diff = 0;
  for (let i = 0; i < want.length; i++) diff |= got.charCodeAt(i) ^ want.charCodeAt(i);
  return diff === 0;
}

function send(res: ServerResponse, code: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, code: number, body: unknown): void {
  send(res, code, `${JSON.stringify(body, null, 2)}\n`, 'application/json');
}
