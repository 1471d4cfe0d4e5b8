/**
 * Each worker's SO_REUSEPORT copy of a socket is a descriptor of the one process: when N workers ×
 * M listeners would not fit the descriptor limit, each socket is bound by fewer workers
 * (src/proxy/workers/placement.ts) and every listener still serves.
 */
import { lowerLimit } from '../helpers/limits';
import { connectAndSend, freePort } from '../helpers/net';
import { Harness, silent } from '../helpers/harness';
import { tableOf } from '../helpers/table';
import { nativeBinding } from '../../src/proxy/native/binding';
import { WorkerPool } from '../../src/proxy/workers';
import { bindsHere, copiesFor } from '../../src/proxy/workers/placement';

const h = new Harness();
afterEach(() => h.cleanup());
const native = nativeBinding() !== null ? test : test.skip;

test.each([
  // workers, sockets, fd limit → copies
  [2, 1000, 20_000, 2],
  [2, 10_000, 20_000, 1],
  [4, 3000, 20_000, 3],
  [16, 100, null, 16],
  [2, 0, 10, 2],
  [8, 50_000, 20_000, 1],
])('copiesFor(%d workers, %d sockets, limit %s) = %d', (workers, sockets, limit, want) => {
  expect(copiesFor(workers, sockets, limit)).toBe(want);
});

test('every socket is bound by exactly `copies` workers, and a port-0 socket always by worker 0', () => {
  for (const [workers, copies] of [[2, 1], [4, 2], [4, 3], [3, 3], [5, 1]] as const) {
    const per = new Array<number>(workers).fill(0);
    for (let i = 0; i < 400; i++) {
      const key = `127.0.0.1:${20_000 + i}`;
      const binders = [...Array(workers).keys()].filter((w) => bindsHere(key, 20_000 + i, w, workers, copies));
      expect(binders).toHaveLength(copies);
      for (const w of binders) per[w]!++;
      expect(bindsHere(`127.0.0.1:0#${i}`, 0, 0, workers, copies)).toBe(true);
    }
    // Spread: no worker takes much more than its share.
    for (const n of per) expect(n).toBeLessThan((400 * copies) / workers * 1.5);
  }
});

native('80 listeners on 2 workers under a limit that does not fit 2 × 80 sockets: each bound once, all serve', async () => {
  const backend = await h.echo('one');
  const ports: number[] = [];
  for (let i = 0; i < 80; i++) ports.push(await freePort());
  const p = new WorkerPool({ logger: silent, workers: 2 });
  h.defer(() => p.close(1000));
  // The workers are up (their own descriptors open) before the limit is lowered.
  await p.swap(tableOf({ listeners: [] }));
  // Room for one connection at a time and 80 listening sockets, not for 160.
  const restore = lowerLimit(130);
  h.defer(async () => restore());
  await p.swap(tableOf({ listeners: ports.map((port) => ({ port, destinations: [{ endpoints: [{ port: backend }] }] })) }));
  for (const port of ports) expect(await connectAndSend(port, 'x')).toMatch(/^one/);
});
