/**
 * The data plane on worker threads (`--workers N`): real sockets through a WorkerPool of 2 native
 * workers listening on SO_REUSEPORT sockets. Smooth WRR exact over all workers together, tables
 * adopted by every worker at once, counters summed exactly, threads and listeners gone at close.
 */
import * as net from 'node:net';
import { connectAndSend, freePort } from '../helpers/net';
import { Harness, silent } from '../helpers/harness';
import { tableOf } from '../helpers/table';
import { nativeBinding } from '../../src/proxy/native/binding';
import { WorkerPool } from '../../src/proxy/workers/pool';
import type { RoutingTable } from '../../src/model/types';

const h = new Harness();
afterEach(() => h.cleanup());
const native = nativeBinding() !== null ? test : test.skip;

function pool(workers = 2): WorkerPool {
  const p = new WorkerPool({ logger: silent, workers });
  h.defer(() => p.close(1000));
  return p;
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `n` connections one after another, each with its own source port: the reply's first word. */
async function replies(port: number, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await connectAndSend(port, `req${i}`)).split(' ')[0]!);
  return out;
}

const split = (port: number, v1: number, v2: number): RoutingTable => tableOf({ listeners: [{ port, destinations: [
  { subset: 'v1', weight: 80, endpoints: [{ port: v1 }] }, { subset: 'v2', weight: 20, endpoints: [{ port: v2 }] },
] }] });

native('two workers serve one listener; 80/20 is exactly one one two one one, one one one two one, over both', async () => {
  const [v1, v2] = [await h.echo('one'), await h.echo('two')];
  const p = pool();
  const port = await freePort();
  await p.swap(split(port, v1, v2));
  const got = await replies(port, 100);
  for (let i = 0; i < 100; i += 10) expect(got.slice(i, i + 10)).toEqual(['one', 'one', 'two', 'one', 'one', 'one', 'one', 'two', 'one', 'one']);
  await p.refresh();
  const per = p.acceptedPerWorker();
  // The kernel spread them (SO_REUSEPORT hashes the 4-tuple): both workers took some.
  expect(per.every((n) => n > 0)).toBe(true);
  expect(per.reduce((a, b) => a + b, 0)).toBe(100);
});
