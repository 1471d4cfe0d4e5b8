/** freePort: parallel jest workers never share a port, because each owns a block of the range. */
import { freePort, portBlock } from './net';

function blockOf(worker: string): { low: number; high: number } {
  const saved = process.env['JEST_WORKER_ID'];
  process.env['JEST_WORKER_ID'] = worker;
  try {
    let block: { low: number; high: number } | undefined;
    jest.isolateModules(() => { block = (require('./net') as typeof import('./net')).portBlock(); });
    return block!;
  } finally {
    process.env['JEST_WORKER_ID'] = saved;
  }
}

test('workers 1–16 get disjoint blocks below the ephemeral range', () => {
  const blocks = Array.from({ length: 16 }, (_, i) => blockOf(String(i + 1)));
  for (const [i, a] of blocks.entries()) {
    expect(a.low).toBeGreaterThanOrEqual(20_000);
    expect(a.high).toBeLessThan(32_768);
    expect(a.high - a.low).toBeGreaterThan(500);
    for (const b of blocks.slice(i + 1)) expect(a.high < b.low || b.high < a.low).toBe(true);
  }
});

test('freePort hands out distinct ports of its own block, never 31400', async () => {
  const { low, high } = portBlock();
  const ports = [];
  for (let i = 0; i < 20; i++) ports.push(await freePort());
  expect(new Set(ports).size).toBe(20);
  for (const p of ports) {
    expect(p).toBeGreaterThanOrEqual(low);
    expect(p).toBeLessThanOrEqual(high);
    expect(p).not.toBe(31400);
  }
});
