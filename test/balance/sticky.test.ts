import { addressHash, SourceHashPicker, StickyPicker } from '../../src/balance';

const KEYS = ['tcp-echo|v1|9000', 'tcp-echo|v2|9000', 'tcp-echo|v3|9000'];

/** `n` distinct client addresses 10.a.b.c. */
function clients(n: number): number[] {
  return Array.from({ length: n }, (_, i) => addressHash(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`));
}

function shares(picker: StickyPicker, hashes: number[], k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const h of hashes) counts[picker.pick(h)]!++;
  return counts.map((c) => (c / hashes.length) * 100);
}

describe('StickyPicker (weighted rendezvous)', () => {
  const many = clients(20_000);

  test.each([
    [[80, 20]], [[50, 50]], [[99, 1]], [[1, 1, 2]], [[10, 30, 60]], [[0, 100]], [[5, 0, 95]],
  ])('over 20,000 clients the split matches weights %j within ±2 points', (weights) => {
    const p = new StickyPicker(KEYS.slice(0, weights.length), weights);
    const total = weights.reduce((a, b) => a + b, 0);
    const got = shares(p, many, weights.length);
    weights.forEach((w, i) => expect(Math.abs(got[i]! - (w / total) * 100)).toBeLessThanOrEqual(2));
    weights.forEach((w, i) => { if (w === 0) expect(got[i]).toBe(0); });
  });

  // Each row: the weights before and after. A client moves from i to j only if j's weight grew
  // relative to i's (w'j/w'i > wj/wi): with two destinations, only from the one whose share fell to
  // the one whose share grew, never back; and no more clients move than the shares require.
  test.each([
    { from: [80, 20], to: [50, 50] },
    { from: [100, 0], to: [80, 20] },
    { from: [80, 20], to: [20, 80] },
    { from: [50, 50], to: [0, 100] },
    { from: [50, 30, 20], to: [20, 30, 50] },
    { from: [40, 40, 20], to: [40, 20, 40] },
    { from: [1, 1, 1], to: [2, 1, 1] },
  ])('monotone: $from → $to only moves clients towards a destination whose share grew', ({ from, to }) => {
    const keys = KEYS.slice(0, from.length);
    const a = new StickyPicker(keys, from);
    const b = new StickyPicker(keys, to);
    const share = (w: number[], i: number) => w[i]! / w.reduce((x, y) => x + y, 0);
    let moved = 0;
    for (const h of many) {
      const i = a.pick(h);
      const j = b.pick(h);
      if (i === j) continue;
      moved++;
      expect(to[j]! * from[i]!).toBeGreaterThan(from[j]! * to[i]!);
      if (from.length === 2) {
        expect(share(to, i)).toBeLessThan(share(from, i));
        expect(share(to, j)).toBeGreaterThan(share(from, j));
      }
    }
    if (from.length === 2) {
      const needed = Math.abs(share(from, 0) - share(to, 0));
      expect(Math.abs(moved / many.length - needed)).toBeLessThanOrEqual(0.02);
    }
  });

  test('20 → 50 % to v2 in steps: every client on v2 stays on v2', () => {
    const keys = KEYS.slice(0, 2);
    let onV2 = new Set<number>();
    for (const w2 of [0, 10, 20, 30, 50, 80, 100]) {
      const p = new StickyPicker(keys, [100 - w2, w2]);
      const now = new Set(many.filter((h) => p.pick(h) === 1));
      for (const h of onV2) expect(now.has(h)).toBe(true);
      onV2 = now;
    }
    expect(onV2.size).toBe(many.length);
  });

  test('the pick depends on the destination keys, not on their order in the route', () => {
    const ab = new StickyPicker([KEYS[0]!, KEYS[1]!], [30, 70]);
    const ba = new StickyPicker([KEYS[1]!, KEYS[0]!], [70, 30]);
    for (const h of many.slice(0, 2000)) expect(ab.pick(h)).toBe(1 - ba.pick(h));
  });

  test('an IPv4-mapped IPv6 address hashes as the IPv4 address', () => {
    expect(addressHash('::ffff:127.0.0.7')).toBe(addressHash('127.0.0.7'));
    expect(addressHash('127.0.0.7')).not.toBe(addressHash('127.0.0.8'));
  });

  test('skip takes the next best score; nothing eligible gives -1', () => {
    const p = new StickyPicker(KEYS, [1, 1, 1]);
    for (const h of many.slice(0, 500)) {
      const first = p.pick(h);
      const second = p.pick(h, (i) => i === first);
      expect(second).not.toBe(first);
      expect(second).toBeGreaterThanOrEqual(0);
    }
    expect(p.pick(many[0]!, () => true)).toBe(-1);
    expect(new StickyPicker(KEYS.slice(0, 2), [0, 0]).pick(many[0]!)).toBe(-1);
  });

  test('weights are checked', () => {
    expect(() => new StickyPicker(KEYS.slice(0, 2), [1, -1])).toThrow(RangeError);
    expect(() => new StickyPicker(KEYS.slice(0, 2), [1])).toThrow(RangeError);
  });
});

describe('SourceHashPicker (consistentHash.useSourceIp)', () => {
  test('one client address always gets the same endpoint; clients spread by endpoint weight', () => {
    const keys = ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3', '127.0.0.1:4'];
    const p = new SourceHashPicker(keys, [1, 1, 1, 1]);
    const hashes = clients(8000);
    const counts = [0, 0, 0, 0];
    for (const h of hashes) {
      const i = p.pick(undefined, h);
      expect(p.pick(undefined, h)).toBe(i);
      counts[i]!++;
    }
    for (const c of counts) expect(Math.abs(c / hashes.length - 0.25)).toBeLessThan(0.02);
  });

  test('without a hash it rotates by weight (smooth round robin)', () => {
    const p = new SourceHashPicker(['a', 'b'], [2, 1]);
    expect([p.pick(), p.pick(), p.pick(), p.pick(), p.pick(), p.pick()]).toEqual([0, 1, 0, 0, 1, 0]);
  });
});
