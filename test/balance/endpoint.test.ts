import {
  createEndpointPicker,
  FULL_SCAN_MAX,
  LeastRequestPicker,
  RandomPicker,
  RoundRobinPicker,
  SmoothWeightedPicker,
  type EndpointPicker,
} from '../../src/balance';
import { mulberry32 } from '../helpers/rng';

function tally(picker: EndpointPicker, n: number, size: number, onPick?: (i: number) => void): number[] {
  const out = new Array<number>(size).fill(0);
  for (let k = 0; k < n; k++) {
    const i = picker.pick();
    out[i] = (out[i] ?? 0) + 1;
    onPick?.(i);
  }
  return out;
}

describe('LeastRequestPicker', () => {
  test('sequential short connections (all idle) rotate over every endpoint', () => {
    const picker = new LeastRequestPicker([1, 1, 1], () => 0);
    expect(Array.from({ length: 7 }, () => picker.pick())).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  test('fewest active wins', () => {
    const active = [3, 1, 2];
    const picker = new LeastRequestPicker([1, 1, 1], (i) => active[i]!);
    expect(picker.pick()).toBe(1);
    expect(picker.pick()).toBe(1);
    active[1] = 5;
    expect(picker.pick()).toBe(2);
  });

  test('ties among the least loaded rotate, the busy one is left out', () => {
    const active = [0, 4, 0, 0];
    const picker = new LeastRequestPicker([1, 1, 1, 1], (i) => active[i]!);
    expect(Array.from({ length: 6 }, () => picker.pick())).toEqual([0, 2, 3, 0, 2, 3]);
  });

  test('long-lived connections counted as they open spread evenly', () => {
    const active = [0, 0, 0];
    const picker = new LeastRequestPicker([1, 1, 1], (i) => active[i]!);
    const got = tally(picker, 30, 3, (i) => active[i]!++);
    expect(got).toEqual([10, 10, 10]);
  });

  test('unequal weights: idle endpoints share by weight exactly', () => {
    const picker = new LeastRequestPicker([3, 1], () => 0);
    expect(tally(picker, 40, 2)).toEqual([30, 10]);
  });

  test('unequal weights: a busy heavy endpoint yields to an idle light one', () => {
    const active = [50, 0];
    const picker = new LeastRequestPicker([3, 1], (i) => active[i]!);
    const got = tally(picker, 20, 2);
    expect(got[1]).toBeGreaterThan(got[0]!);
  });

  test('skip and zero weight are honoured; -1 when nothing is eligible', () => {
    const picker = new LeastRequestPicker([1, 0, 1], () => 0);
    for (let k = 0; k < 10; k++) expect(picker.pick((i) => i === 0)).toBe(2);
    expect(picker.pick((i) => i !== 1)).toBe(-1);
    expect(new LeastRequestPicker([], () => 0).pick()).toBe(-1);
    expect(new LeastRequestPicker([0, 0], () => 0).pick()).toBe(-1);
  });

  test('power of two choices for many endpoints: prefers the less loaded of two, never skipped ones', () => {
    const n = FULL_SCAN_MAX * 2;
    const active = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0 : 100));
    const picker = new LeastRequestPicker(new Array<number>(n).fill(1), (i) => active[i]!, mulberry32(3));
    const got = tally(picker, 4000, n);
    const idle = got.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0);
    expect(idle / 4000).toBeGreaterThan(0.7);
    for (let k = 0; k < 500; k++) expect(picker.pick((i) => i !== 5)).toBe(5);
  });
});

describe('RoundRobinPicker', () => {
  test.each([[[1, 1, 1]], [[3, 0, 1]], [[2, 5]]])('exact counts by endpoint weight: %p', (weights: number[]) => {
    const total = weights.reduce((a, b) => a + b, 0);
    expect(tally(new RoundRobinPicker(weights), total * 4, weights.length)).toEqual(weights.map((w) => w * 4));
  });

  test('skips tried endpoints and returns -1 when all are tried', () => {
    const picker = new RoundRobinPicker([1, 1]);
    expect(picker.pick((i) => i === 0)).toBe(1);
    expect(picker.pick(() => true)).toBe(-1);
    expect(new RoundRobinPicker([0]).pick()).toBe(-1);
  });
});

describe('RandomPicker', () => {
  test('weighted distribution with a seeded rng, zero weight never picked', () => {
    const got = tally(new RandomPicker([3, 0, 1], mulberry32(11)), 40_000, 3);
    expect(got[1]).toBe(0);
    expect(Math.abs(got[0]! / 40_000 - 0.75)).toBeLessThan(0.02);
  });

  test('skip and all-zero weights', () => {
    const picker = new RandomPicker([1, 1, 1], mulberry32(1));
    for (let k = 0; k < 200; k++) expect(picker.pick((i) => i !== 2)).toBe(2);
    expect(new RandomPicker([0, 0]).pick()).toBe(-1);
  });
});

describe('createEndpointPicker', () => {
  test.each([['LEAST_REQUEST', LeastRequestPicker], ['ROUND_ROBIN', RoundRobinPicker], ['RANDOM', RandomPicker]] as const)(
    '%s builds its picker',
    (kind, cls) => {
      expect(createEndpointPicker(kind, [1, 2], () => 0)).toBeInstanceOf(cls);
    },
  );

  test('rejects negative weights', () => {
    expect(() => createEndpointPicker('ROUND_ROBIN', [1, -2], () => 0)).toThrow(RangeError);
    expect(() => createEndpointPicker('LEAST_REQUEST', [Number.NaN], () => 0)).toThrow(RangeError);
  });
});

describe('subset first, then endpoint', () => {
  test.each(['LEAST_REQUEST', 'ROUND_ROBIN', 'RANDOM'] as const)(
    '%s: v1 with 3 endpoints and v2 with 1 still split 80/20 exactly',
    (kind) => {
      const subsets = new SmoothWeightedPicker([80, 20]);
      const endpoints = [createEndpointPicker(kind, [1, 1, 1], () => 0, mulberry32(5)), createEndpointPicker(kind, [1], () => 0)];
      const perSubset = [0, 0];
      const perEndpoint = [[0, 0, 0], [0]];
      for (let k = 0; k < 1000; k++) {
        const s = subsets.pick();
        const e = endpoints[s]!.pick();
        perSubset[s]!++;
        perEndpoint[s]![e]!++;
      }
      expect(perSubset).toEqual([800, 200]);
      expect(perEndpoint[1]).toEqual([200]);
      for (const n of perEndpoint[0]!) expect(n).toBeGreaterThan(200);
      if (kind !== 'RANDOM') expect(perEndpoint[0]).toEqual([267, 267, 266]);
    },
  );
});
