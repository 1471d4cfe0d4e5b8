/**
 * POST /webhook: push notifications from GitHub (`X-Hub-Signature-256`), GitLab (`X-Gitlab-Token`) or
 * anything that can sign its body (`X-Tcpshift-Signature: sha256=<hex>`). A verified push to the
 * followed branch triggers a reconcile; nothing unverified ever does. The verification is pure.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { oncePer } from './budget';

/** The shared secret and the branch pushes must name. */
export interface WebhookOptions {
  readonly secret: string;
  readonly branch: string;
  /** Largest body accepted (default 1 MiB); more gets 413. */
  readonly maxBodyBytes?: number;
}

/** Who sent a delivery, by its signature header. */
export type WebhookProvider = 'github' | 'gitlab' | 'generic';

/** What to do with one delivery. Only `reconcile` triggers a run. */
export type WebhookVerdict =
  | { readonly action: 'unauthorized'; readonly provider: WebhookProvider | null; readonly reason: string }
  | { readonly action: 'bad-request'; readonly provider: WebhookProvider; readonly reason: string }
  | { readonly action: 'pong'; readonly provider: WebhookProvider }
  | { readonly action: 'ignored'; readonly provider: WebhookProvider; readonly reason: string; readonly ref: string | null }
  | { readonly action: 'reconcile'; readonly provider: WebhookProvider; readonly ref: string | null };

/** The default body cap: 1 MiB (GitHub caps payloads at 25 MB, but a push of config changes is far smaller). */
export const DEFAULT_WEBHOOK_BODY_BYTES = 1 << 20;

/** Verifies the signature over the raw body, then reads the event and its `ref`. Never throws. */
export function verifyWebhook(headers: IncomingHttpHeaders, body: Buffer, opts: WebhookOptions): WebhookVerdict {
  const provider = providerOf(headers);
  if (provider === null) return { action: 'unauthorized', provider, reason: 'no X-Hub-Signature-256, X-Gitlab-Token or X-Tcpshift-Signature header' };
  const ok = provider === 'gitlab'
    ? tokenMatches(opts.secret, header(headers, 'x-gitlab-token'))
    : signatureMatches(opts.secret, body, header(headers, provider === 'github' ? 'x-hub-signature-256' : 'x-tcpshift-signature'));
  if (!ok) return { action: 'unauthorized', provider, reason: provider === 'gitlab' ? 'token mismatch' : 'signature mismatch' };

  const event = provider === 'github' ? header(headers, 'x-github-event') : provider === 'gitlab' ? header(headers, 'x-gitlab-event') : 'push';
  if (provider === 'github' && event === 'ping') return { action: 'pong', provider };
  if (event !== 'push' && event !== 'Push Hook') return { action: 'ignored', provider, reason: `event ${event ?? '(none)'} is not a push`, ref: null };

  const payload = parsePayload(provider, headers, body);
  if (payload === undefined) return { action: 'bad-request', provider, reason: 'the body is not a JSON object' };
  const ref = typeof payload.ref === 'string' ? payload.ref : null;
  if (ref === null) {
    if (provider === 'generic') return { action: 'reconcile', provider, ref };
    return { action: 'bad-request', provider, reason: 'the push has no ref' };
  }
  if (ref !== `refs/heads/${opts.branch}`) return { action: 'ignored', provider, reason: `push to ${ref}, following refs/heads/${opts.branch}`, ref };
  return { action: 'reconcile', provider, ref };
}

/** True when `header` is `sha256=<hex>` of the HMAC-SHA256 of `body` under `secret` (constant-time). */
export function signatureMatches(secret: string, body: Buffer, header: string | undefined): boolean {
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header?.trim() ?? '');
  if (!m?.[1]) return false;
  const want = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(want, Buffer.from(m[1], 'hex'));
}

/** True when `token` equals `secret`; compares digests so neither the length nor the content leaks through timing. */
export function tokenMatches(secret: string, token: string | undefined): boolean {
  if (token === undefined) return false;
  const a = createHash('sha256').update(secret).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** `sha256=<hex>` for `body` under `secret`: what a sender puts in X-Hub-Signature-256 / X-Tcpshift-Signature. */
export function sign(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function providerOf(headers: IncomingHttpHeaders): WebhookProvider | null {
  if (headers['x-hub-signature-256'] !== undefined) return 'github';
  if (headers['x-gitlab-token'] !== undefined) return 'gitlab';
  if (headers['x-tcpshift-signature'] !== undefined) return 'generic';
  return null;
}

/** A single-valued header (a repeated one counts as absent). */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The body as JSON whatever its content type (`curl -d` says form-urlencoded), except GitHub's form
 * encoding (`payload=<json>`) for a GitHub delivery; an empty body is `{}`; undefined when unreadable.
 */
function parsePayload(provider: WebhookProvider, headers: IncomingHttpHeaders, body: Buffer): Record<string, unknown> | undefined {
  let text = body.toString('utf8');
  const form = (headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
  if (provider === 'github' && form) text = new URLSearchParams(text).get('payload') ?? '';
  if (text.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the body up to `limit` bytes; null when it is (or says it is) larger, 'aborted' when the client went away. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(null);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        resolve(null);
      } else chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on('error', () => resolve('aborted'));
    req.on('close', () => { if (!req.complete) resolve('aborted'); });
  });
}

/**
 * The route: 404 when no secret is configured, 413 over the size cap, 401 (and a warning) on a bad
 * signature, 202 when accepted — the reconcile runs in the background (senders time out in seconds;
 * its outcome is in /status and the log) — or ignored, 200 for GitHub's ping, 400 for an unreadable push.
 */
export function webhookRoute(opts: WebhookOptions | undefined, trigger: () => void, log: Logger): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // A client can abort as often as it likes: one warning a second at most, never a stack.
  const aborted = oncePer(1000, (suppressed) => log.warn({ suppressed }, 'webhook body aborted'));
  return async (req, res) => {
    if (!opts) return reply(res, 404, { error: 'webhook disabled: start tcpshift run with --webhook-secret (or TCPSHIFT_WEBHOOK_SECRET)' });
    const body = await readBody(req, opts.maxBodyBytes ?? DEFAULT_WEBHOOK_BODY_BYTES);
    if (body === 'aborted') {
      aborted();
      return void res.destroy();
    }
    if (body === null) {
      res.setHeader('connection', 'close');
      return reply(res, 413, { error: `body larger than ${opts.maxBodyBytes ?? DEFAULT_WEBHOOK_BODY_BYTES} bytes` });
    }
    const v = verifyWebhook(req.headers, body, opts);
    const delivery = req.headers['x-github-delivery'] ?? req.headers['x-gitlab-event-uuid'];
    const fields = { provider: v.provider, action: v.action, remote: req.socket.remoteAddress, ...(delivery ? { delivery } : {}) };
    switch (v.action) {
      case 'unauthorized':
        log.warn({ ...fields, reason: v.reason }, 'webhook rejected: bad signature');
        return reply(res, 401, { error: v.reason });
      case 'bad-request':
        log.warn({ ...fields, reason: v.reason }, 'webhook rejected: unreadable push');
        return reply(res, 400, { error: v.reason });
      case 'pong':
        return reply(res, 200, { action: 'pong' });
      case 'ignored':
        log.info({ ...fields, reason: v.reason }, 'webhook ignored');
        return reply(res, 202, { action: 'ignored', reason: v.reason });
      case 'reconcile':
        log.info({ ...fields, ref: v.ref }, 'webhook accepted: reconciling');
        trigger();
        return reply(res, 202, { action: 'reconcile', ref: v.ref });
    }
  };
}

function reply(res: ServerResponse, code: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
