/**
 * Panic mode (README, "Outlier detection"): when every endpoint of a destination is ejected, the
 * proxy ignores ejections rather than refuse the client, like Envoy's panic threshold.
 */
import { startEcho } from '../../src/echo/server';
import { Harness } from '../helpers/harness';
import { connectAndSend, freePort } from '../helpers/net';
import { tableOf } from '../helpers/table';

const h = new Harness();
afterEach(() => h.cleanup());

test.each(['js', 'auto'] as const)('data path %s: every endpoint ejected → an ejected one is dialled anyway', async (dataPath) => {
  const [a, b] = [await freePort(), await freePort()];
  const port = await freePort();
  const proxy = h.proxy({ dataPath });
  const outlierDetection = { consecutiveErrors: 1, intervalMs: 1000, baseEjectionTimeMs: 60_000, maxEjectionPercent: 100 };
  await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ policy: { loadBalancer: 'ROUND_ROBIN', outlierDetection }, endpoints: [{ port: a }, { port: b }] }] }] }));
  // Both refuse: the first client tries both, each is ejected for a minute, the client is closed.
  expect(await connectAndSend(port, 'x')).toBe('');
  const eps = () => proxy.snapshot().listeners[0]!.route.destinations[0]!.endpoints;
  expect(eps().map((e) => e.ejected)).toEqual([true, true]);
  // One comes back while still ejected: the next client is served by it, not refused.
  const back = await startEcho([b], 'back');
  h.defer(() => back.close());
  expect(await connectAndSend(port, 'y')).toBe('back y\n');
  expect(proxy.snapshot().listeners[0]!.route.destinations[0]).toMatchObject({ opened: 1, failed: 1 });
});
