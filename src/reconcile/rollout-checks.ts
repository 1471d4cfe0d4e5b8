/** The HTTP checks of a rollout: webhook gates (POST JSON) and Prometheus instant queries. Never throw. */
import { rangeCheck } from '../rollout/analysis';
import type { CheckResult } from '../rollout/machine';
import type { Shares } from '../rollout/plan';
import type { PrometheusCheck, WebhookCheck } from '../rollout/policy';

/** What a webhook is told. */
export interface WebhookPayload {
  readonly rollout: string;
  readonly revision: string;
  readonly step: number;
  readonly shares: Shares;
}

const PROMETHEUS_TIMEOUT_MS = 5_000;

/** POSTs the payload; a 2xx answer passes, anything else (status, timeout, refused) fails. */
export async function runWebhook(w: WebhookCheck, payload: WebhookPayload, now: () => number): Promise<CheckResult> {
  try {
    const res = await fetch(w.url, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload),
      signal: AbortSignal.timeout(w.timeoutMs), redirect: 'manual',
    });
    await res.arrayBuffer().catch(() => undefined);
    const at = new Date(now()).toISOString();
    const value = `HTTP ${res.status}`;
    return res.status >= 200 && res.status < 300
      ? { name: w.name, ok: true, value, at } : { name: w.name, ok: false, value, at, message: `${w.name}: ${value}` };
  } catch (err) {
    const value = errorWord(err, w.timeoutMs);
    return { name: w.name, ok: false, value, at: new Date(now()).toISOString(), message: `${w.name}: ${value}` };
  }
}

/** GET `<address>/api/v1/query?query=…`; the first sample of a vector (or a scalar) must be within [min, max]. */
export async function runPrometheus(p: PrometheusCheck, now: () => number): Promise<CheckResult> {
  const url = new URL('/api/v1/query', p.address);
  url.searchParams.set('query', p.query);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(PROMETHEUS_TIMEOUT_MS), redirect: 'manual' });
    const body = (await res.json()) as unknown;
    const at = new Date(now()).toISOString();
    if (res.status !== 200) return { name: p.name, ok: false, value: `HTTP ${res.status}`, at, message: `${p.name}: Prometheus answered HTTP ${res.status}` };
    const value = sampleOf(body);
    if (value === null) return { name: p.name, ok: false, value: 'no data', at, message: `${p.name}: the query returned no sample` };
    return rangeCheck(p.name, value, p.min, p.max, at);
  } catch (err) {
    const value = errorWord(err, PROMETHEUS_TIMEOUT_MS);
    return { name: p.name, ok: false, value, at: new Date(now()).toISOString(), message: `${p.name}: ${value}` };
  }
}

/** The value of `{status: success, data: {resultType: vector|scalar, result}}`; null when there is none. */
export function sampleOf(body: unknown): number | null {
  const b = body as { status?: unknown; data?: { resultType?: unknown; result?: unknown } } | null;
  if (!b || b.status !== 'success' || !b.data) return null;
  const r = b.data.result;
  const pair = b.data.resultType === 'scalar' ? r : Array.isArray(r) ? (r[0] as { value?: unknown } | undefined)?.value : undefined;
  if (!Array.isArray(pair) || pair.length < 2) return null;
  const v = Number(pair[1]);
  return typeof pair[1] === 'string' && !Number.isNaN(v) ? v : (pair[1] === 'NaN' ? NaN : null);
}

function errorWord(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string }; message?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timeout after ${timeoutMs}ms`;
  return e?.cause?.code ?? e?.message ?? String(err);
}
