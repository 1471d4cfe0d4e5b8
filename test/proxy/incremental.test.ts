/** Installing a table that shares listeners with the live one keeps their runtime: SWRR goes on exactly across the swap. */
import { connectAndSend, freePort } from '../helpers/net';
import { Harness } from '../helpers/harness';
import { tableOf } from '../helpers/table';
import type { RoutingTable } from '../../src/model/types';

const h = new Harness();
afterEach(() => h.cleanup());

async function replies(port: number, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await connectAndSend(port, `req${i}`)).split(' ')[0]!);
  return out;
}

test('a commit touching another listener: the 80/20 listener keeps its picker, 8 and 2 in every 10 continue exactly', async () => {
  const v1 = await h.echo('one');
  const v2 = await h.echo('two');
  const [a, b] = [await freePort(), await freePort()];
  const split = { port: a, destinations: [{ subset: 'v1', weight: 80, endpoints: [{ port: v1 }] }, { subset: 'v2', weight: 20, endpoints: [{ port: v2 }] }] };
  const first = tableOf({ listeners: [split, { port: b, destinations: [{ endpoints: [{ port: v1 }] }] }] });
  const proxy = h.proxy();
  await proxy.swap(first);
  const before = await replies(a, 3);
  // The next table as the build worker hands it over: the untouched listener is the same object.
  const other = tableOf({ listeners: [{ port: b, destinations: [{ endpoints: [{ port: v2 }] }] }] }).listeners[0]!;
  const next: RoutingTable = Object.freeze({ listeners: Object.freeze([first.listeners.find((l) => l.port === a)!, other]) });
  await proxy.swap(next);
  const after = await replies(a, 7);
  // One uninterrupted smooth-WRR sequence of 10 (a picker reset at the swap would give one, one, two again right after it).
  const all = [...before, ...after];
  expect(all.filter((x) => x === 'two')).toHaveLength(2);
  expect(all).toEqual(['one', 'one', 'two', 'one', 'one', 'one', 'one', 'two', 'one', 'one']);
  expect((await connectAndSend(b, 'x')).split(' ')[0]).toBe('two');
});
