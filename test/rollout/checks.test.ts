/** A rollout's checks: the counter checks (pure, table-tested), a real webhook server, a stand-in Prometheus answering /api/v1/query. */
import * as http from 'node:http';
import { counterChecks, connectionsSince, rangeCheck, type DestinationTotals } from '../../src/rollout/analysis';
import type { Analysis } from '../../src/rollout/policy';
import { runPrometheus, runWebhook, sampleOf } from '../../src/reconcile/rollout-checks';
import { freePort } from '../helpers/net';

const AT = '2026-12-01T10:00:00.000Z';
const A: Analysis = { intervalMs: 1000, threshold: 1, minConnections: 0, maxConnectFailurePercent: 1, maxFailedPercent: 5, webhooks: [], prometheus: [] };
const tot = (key: string, version: string, opened: number, connectFailures: number, closed = 0, failed = 0): DestinationTotals =>
  ({ key, version, opened, closed, connectFailures, failed });

describe('counter checks over one interval', () => {
  test.each([
    { name: 'no traffic passes', now: [tot('v2', 'v2', 0, 0)], before: [], want: [['connect-failures', true, 'no attempts'], ['failed', true, 'no connections ended']] },
    { name: 'healthy', now: [tot('v2', 'v2', 100, 0, 90, 0)], before: [], want: [['connect-failures', true, '0%'], ['failed', true, '0%']] },
    {
      name: 'refusing: 38 of 100 attempts failed in the interval',
      now: [tot('v2', 'v2', 112, 40, 50, 38)], before: [tot('v2', 'v2', 50, 2, 50, 0)],
      want: [['connect-failures', false, '38%', 'v2 connect failures 38% > 1%'], ['failed', false, '100%', 'v2 failed connections 100% > 5%']],
    },
    {
      name: 'the worst gaining destination is named',
      now: [tot('a', 'v2', 99, 1), tot('b', 'v3', 50, 50)], before: [],
      want: [['connect-failures', false, '50%', 'v3 connect failures 50% > 1%'], ['failed', true, 'no connections ended']],
    },
  ])('$name', ({ now, before, want }) => {
    const out = counterChecks(A, now, new Map(before.map((b) => [b.key, b])), AT);
    expect(out.map((c) => [c.name, c.ok, c.value, ...(c.message ? [c.message] : [])])).toEqual(want);
  });

  test('a limit not set is not checked; connections since the step began', () => {
    expect(counterChecks({ ...A, maxConnectFailurePercent: null, maxFailedPercent: null }, [tot('v2', 'v2', 5, 5)], new Map(), AT)).toEqual([]);
    expect(connectionsSince([tot('v2', 'v2', 30, 5)], new Map([['v2', tot('v2', 'v2', 10, 0)]]))).toBe(25);
  });

  test('range checks', () => {
    expect(rangeCheck('q', 120, null, 100, AT)).toMatchObject({ ok: false, value: '120', message: 'q 120 > 100' });
    expect(rangeCheck('q', 1, 2, null, AT)).toMatchObject({ ok: false, message: 'q 1 < 2' });
    expect(rangeCheck('q', 50, 0, 100, AT)).toMatchObject({ ok: true, value: '50' });
  });
});

/** A real HTTP server on loopback port 0 answering with `handler`. */
async function server(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const s = http.createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => { s.closeAllConnections(); s.close(() => resolve()); }) };
}

const clock = () => Date.parse(AT);

describe('webhook gates (a real HTTP server)', () => {
  test('POSTs JSON {rollout, revision, step, shares}; 2xx passes, 500 fails, a timeout fails, a refused port fails', async () => {
    const bodies: unknown[] = [];
    let status = 200;
    const srv = await server((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        bodies.push({ method: req.method, type: req.headers['content-type'], body: JSON.parse(body) as unknown });
        if (status === 0) return; // never answers
        res.writeHead(status).end('ok');
      });
    });
    try {
      const payload = { rollout: 'default/tcp-echo', revision: 'abc', step: 2, shares: { 'tcp-echo|v2|9000': 20 } };
      const w = { name: 'smoke', url: `${srv.url}/check`, timeoutMs: 2000 };
      expect(await runWebhook(w, payload, clock)).toEqual({ name: 'smoke', ok: true, value: 'HTTP 200', at: AT });
      expect(bodies[0]).toEqual({ method: 'POST', type: 'application/json', body: payload });
      status = 500;
      expect(await runWebhook(w, payload, clock)).toMatchObject({ ok: false, value: 'HTTP 500', message: 'smoke: HTTP 500' });
      status = 0;
      expect(await runWebhook({ ...w, timeoutMs: 100 }, payload, clock)).toMatchObject({ ok: false, value: 'timeout after 100ms' });
    } finally {
      await srv.close();
    }
    const refused = `http://127.0.0.1:${await freePort()}/check`;
    expect(await runWebhook({ name: 'smoke', url: refused, timeoutMs: 500 }, { rollout: 'r', revision: 'x', step: 1, shares: {} }, clock))
      .toMatchObject({ ok: false, value: 'ECONNREFUSED' });
  });
});

describe('Prometheus instant queries (a stand-in answering /api/v1/query)', () => {
  test('the first sample of a vector is checked against [min, max]; no data and HTTP errors fail', async () => {
    const seen: string[] = [];
    let answer: { status: number; body: unknown } = { status: 200, body: {} };
    const srv = await server((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
    try {
      const q = { name: 'error-rate', address: srv.url, query: 'sum(rate(istio_tcp_connections_closed_total{destination_version="v2"}[1m]))', min: null, max: 100 };
      answer = { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '42.5'] }] } } };
      expect(await runPrometheus(q, clock)).toEqual({ name: 'error-rate', ok: true, value: '42.5', at: AT });
      expect(new URL(seen[0]!, srv.url).pathname).toBe('/api/v1/query');
      expect(new URL(seen[0]!, srv.url).searchParams.get('query')).toBe(q.query);
      answer = { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '120'] }] } } };
      expect(await runPrometheus(q, clock)).toMatchObject({ ok: false, value: '120', message: 'error-rate 120 > 100' });
      answer = { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [] } } };
      expect(await runPrometheus(q, clock)).toMatchObject({ ok: false, value: 'no data' });
      answer = { status: 400, body: { status: 'error', error: 'parse error' } };
      expect(await runPrometheus(q, clock)).toMatchObject({ ok: false, value: 'HTTP 400' });
    } finally {
      await srv.close();
    }
  });

  test('sampleOf reads vectors and scalars', () => {
    expect(sampleOf({ status: 'success', data: { resultType: 'scalar', result: [1, '3'] } })).toBe(3);
    expect(sampleOf({ status: 'error' })).toBeNull();
    expect(sampleOf(null)).toBeNull();
  });
});
