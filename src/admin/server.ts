/** The admin HTTP server: health, readiness, status, applied config, metrics, a manual reconcile and the web view. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Reconciler } from '../reconcile/reconciler';
import type { ProxySnapshot } from '../proxy/snapshot';
import { adminConnectionCap, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, oncePer, openFileLimit, REQUEST_TIMEOUT_MS } from './budget';
import { appliedConfig } from './config-view';
import { EventStream } from './events';
import { bearerChecker, crossSiteRefusal, hostAllowed, hostRule } from './guard';
import { asset, ASSET_PATHS, PAGE_HEADERS } from './ui-assets';
import { rolloutRoutes } from './rollout-routes';
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
  /** Host names answered besides the admin's own address and loopback names (`--admin-allowed-hosts`). */
  readonly allowedHosts?: readonly string[];
  /** Request headers must arrive within this (default 5 s); the whole request within twice as long. */
  readonly headersTimeoutMs?: number;
  /** At most this many admin connections at once (default: 64, or an eighth of the descriptor limit). */
  readonly maxConnections?: number;
  /** This replica's name (`--instance`), first in GET /status. */
  readonly instance?: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** Starts the admin server; resolves once it listens (port 0 picks a free one: read `address()`). */
export async function startAdmin(opts: AdminOptions, deps: { reconciler: Reconciler; proxy: ProxyView; metrics?: MetricsView; log: Logger }): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const { reconciler, proxy, metrics, log } = deps;
  const checkBearer = opts.token ? bearerChecker(opts.token) : null;
  const authorized = (req: IncomingMessage): boolean => checkBearer === null || checkBearer(req.headers.authorization);
  const routes: Record<string, Handler> = {
    'GET /healthz': (_q, res) => send(res, 200, 'ok\n'),
    'GET /readyz': (_q, res) => (reconciler.applied() ? send(res, 200, 'ready\n') : send(res, 503, 'no revision applied yet\n')),
    'GET /status': (_q, res) => json(res, 200, { instance: opts.instance ?? null, ...reconciler.status(), ...proxy.snapshot() }),
    'GET /config': (_q, res) => json(res, 200, appliedConfig(reconciler.applied(), reconciler.options.compile)),
    'GET /metrics': async (_q, res) => {
      if (!metrics) return send(res, 404, 'metrics disabled\n');
      send(res, 200, await metrics.render(), metrics.contentType);
    },
    'POST /reconcile': async (_q, res) => {
      json(res, 200, await reconciler.trigger('manual', true));
    },
    'POST /suspend': async (req, res) => {
      const reason = new URL(req.url ?? '/', 'http://admin').searchParams.get('reason') ?? 'manual';
      const s = await reconciler.suspend(reason.slice(0, 200));
      json(res, 200, { suspended: s.suspended, suspendedAt: s.suspendedAt, reason: s.suspendedReason, lastAppliedRevision: s.lastAppliedRevision, pendingRevision: s.pendingRevision });
    },
    'POST /resume': async (_q, res) => {
      json(res, 200, await reconciler.resume());
    },
    'POST /webhook': webhookRoute(opts.webhook, () => void reconciler.trigger('webhook'), log),
    'GET /events': (req, res) => events.handle(req, res),
    ...rolloutRoutes(reconciler),
  };
  // The web view: its page and files, and the event stream behind it (long-lived: no request timeout applies once the request is in).
  const events = new EventStream({ status: () => reconciler.status(), snapshot: () => proxy.snapshot(), tokenRequired: checkBearer !== null }, log);
  for (const path of ASSET_PATHS) {
    routes[`GET ${path}`] = (_q, res) => {
      const a = asset(path);
      if (!a) return send(res, 404, 'not found\n');
      res.writeHead(200, { ...PAGE_HEADERS, 'content-type': a.type, 'content-length': a.body.length });
      res.end(a.body);
    };
  }
  reconciler.onRun(() => events.statusChanged());
  // Known once listening (port 0 picks one); no request is served before.
  let rule = hostRule(opts.host, opts.port, opts.allowedHosts);
  const headersTimeout = opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const server = createServer({
    headersTimeout,
    requestTimeout: opts.headersTimeoutMs ? headersTimeout * 2 : REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // How often the timeouts above are checked (Node's default is 30 s).
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 2))),
  }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!hostAllowed(req.headers.host, rule)) {
      refusedHost();
      return json(res, 403, { error: `Host ${JSON.stringify((req.headers.host ?? '').slice(0, 100))} is not this admin server's; add it with --admin-allowed-hosts` });
    }
    // Every mutating request but the (signed) webhook: the token when one is set, and never one a web page could send.
    if (req.method !== 'GET' && req.method !== 'HEAD' && path !== '/webhook') {
      if (!authorized(req)) return json(res, 401, { error: 'missing or wrong bearer token' });
      const refusal = crossSiteRefusal(req.headers, rule);
      if (refusal !== null) {
        refusedCrossSite();
        return json(res, 403, { error: refusal });
      }
    }
    const handler = Object.hasOwn(routes, `${req.method} ${path}`) ? routes[`${req.method} ${path}`] : undefined;
    if (!handler) {
      const allowed = Object.keys(routes).some((k) => k.endsWith(` ${path}`));
      return json(res, allowed ? 405 : 404, { error: allowed ? 'method not allowed' : 'not found' });
    }
    Promise.resolve(handler(req, res)).catch((err: unknown) => {
      log.error({ err, path }, 'admin request failed');
      if (!res.headersSent) json(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  const cap = opts.maxConnections ?? adminConnectionCap(openFileLimit());
  server.maxConnections = cap;
  const dropped = oncePer(1000, (suppressed) => log.warn({ maxConnections: cap, suppressed }, 'admin connection refused: too many open'));
  server.on('drop', dropped);
  const refusedHost = oncePer(1000, (suppressed) => log.warn({ suppressed }, 'admin request refused: foreign Host'));
  const refusedCrossSite = oncePer(1000, (suppressed) => log.warn({ suppressed }, 'admin request refused: cross-site'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  rule = hostRule(opts.host, port, opts.allowedHosts);
  events.start();
  log.info({ host: opts.host, port, maxConnections: cap, url: viewUrl(opts.host, port) }, 'admin server listening');
  return {
    server,
    port,
    close: () => new Promise<void>((resolve) => { events.close(); server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** The web view's address for a log line or `tcpshift open`: a wildcard bind is shown as loopback. */
export function viewUrl(host: string, port: number): string {
  const h = ['', '0.0.0.0', '::', '[::]'].includes(host) ? '127.0.0.1' : host;
  return `http://${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${port}/`;
}

function send(res: ServerResponse, code: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, code: number, body: unknown): void {
  send(res, code, `${JSON.stringify(body, null, 2)}\n`, 'application/json');
}
