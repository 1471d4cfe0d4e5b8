/** settleFleet against real loopback HTTP servers standing in for /status: waits out a spreading push, not a stale split. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { settleFleet } from '../../src/cli/fleet';
import type { FleetStatus } from '../../src/cli/fleet-view';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A /status server answering `docs[i]` to its i-th request (the last one from then on); resolves with host:port. */
async function statusServer(docs: FleetStatus[]): Promise<string> {
  let n = 0;
  const s = createServer((_req, res) => {
    const doc = docs[Math.min(n++, docs.length - 1)];
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(doc));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const st = (rev: string, at: number): FleetStatus => ({ instance: 'n', ready: true, reason: 'ReconciliationSucceeded', lastAppliedRevision: rev, lastAppliedAt: new Date(at).toISOString() });

test('a push still spreading (applied just now on one) is re-read until the others follow: agree', async () => {
  const now = Date.now();
  const a = await statusServer([st(B, now)]);
  const b = await statusServer([st(A, now - 60_000), st(A, now - 60_000), st(B, now + 100)]);
  const { view } = await settleFleet([a, b], 10_000);
  expect(view).toMatchObject({ agree: true, summary: `2/2 serving ${B.slice(0, 7)}` });
});

test('a split older than --max-skew is reported at once (one reading)', async () => {
  const long = Date.now() - 60_000;
  const a = await statusServer([st(B, long), st(A, long)]);
  const b = await statusServer([st(A, long - 1000)]);
  const { view } = await settleFleet([a, b], 10_000);
  expect(view).toMatchObject({ agree: false, summary: `1/2 serving ${B.slice(0, 7)}; 1 serving ${A.slice(0, 7)}` });
});

test('an unreachable instance is not waited for', async () => {
  const a = await statusServer([st(A, Date.now())]);
  const { view, members } = await settleFleet([a, '127.0.0.1:1'], 10_000);
  expect(view).toMatchObject({ agree: false, summary: `1/2 serving ${A.slice(0, 7)}; 1 unreachable` });
  expect(members[1]).toMatchObject({ admin: '127.0.0.1:1', error: expect.stringContaining('cannot reach') });
});
