/** Weighted random, table-driven with a scripted rng: exact picks at every boundary (kills `npm run mutate` survivors in random.ts). */
import { RandomWeightedPicker, randomScan } from '../../src/balance/random';

/** An rng returning `values` in turn. */
const scripted = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('RandomWeightedPicker.pick', () => {
  test.each([
    // weights, rng → index (r = rng · total; the first prefix sum above r wins)
    [[1, 1, 1], 0, 0],
    [[1, 1, 1], 0.33, 0], // r 0.99 < 1
    [[1, 1, 1], 1 / 3, 1], // r exactly 1: not above prefix 1, so the next one
    [[1, 1, 1], 0.5, 1],
    [[1, 1, 1], 2 / 3, 2],
    [[1, 1, 1], 0.99, 2],
    [[3, 1], 0.74, 0],
    [[3, 1], 0.75, 1],
    [[0, 5, 0, 5], 0, 1],
    [[0, 5, 0, 5], 0.49, 1],
    [[0, 5, 0, 5], 0.5, 3],
    [[0, 5, 0, 5], 0.9999999999999999, 3],
    [[5], 0.7, 0],
    [[2, 0], 0.9999999999999999, 0],
  ])('%j with rng %p → %i', (weights, r, want) => {
    expect(new RandomWeightedPicker(weights, () => r).pick()).toBe(want);
  });

  test('an rng that rounds r up to the total still lands on the last peer with a weight', () => {
    expect(new RandomWeightedPicker([1, 2, 0, 0], () => 1).pick()).toBe(1);
    expect(new RandomWeightedPicker([0, 0, 4], () => 1).pick()).toBe(2);
  });

  test.each([
    [[], 'weights must not all be zero'],
    [[0, 0], 'weights must not all be zero'],
    [[1, -1], 'weight[1] must be a finite number >= 0, got -1'],
  ])('%j → RangeError', (weights, message) => {
    expect(() => new RandomWeightedPicker(weights)).toThrow(new RangeError(message));
  });

  test('pickSkipping skips and draws over what is left', () => {
    const p = new RandomWeightedPicker([1, 1, 2], scripted(0, 0.99, 0.5));
    const skip0 = (i: number) => i === 0;
    expect([p.pickSkipping(skip0), p.pickSkipping(skip0), p.pickSkipping(skip0)]).toEqual([1, 2, 2]);
    expect(p.pickSkipping(() => true)).toBe(-1);
  });
});

describe('randomScan', () => {
  test.each([
    // weights, skipped, rng → index
    [[1, 1], [], 0, 0],
    [[1, 1], [], 0.49, 0],
    [[1, 1], [], 0.5, 1],
    [[1, 1], [0], 0, 1],
    [[1, 1], [1], 0.99, 0],
    [[0, 2, 0, 2], [], 0, 1],
    [[0, 2, 0, 2], [], 0.5, 3],
    [[0, 2, 0, 2], [3], 0.9, 1],
    [[2, 1, 1], [0], 0.5, 2],
    [[2, 1, 1], [0], 0.49, 1],
    [[0, 0], [], 0.5, -1],
    [[1, 1], [0, 1], 0.5, -1],
    [[], [], 0.5, -1],
  ])('%j skipping %j, rng %p → %i', (weights, skipped, r, want) => {
    expect(randomScan(weights, () => r, (i) => skipped.includes(i))).toBe(want);
  });

  test('no skip function: every peer with a weight is eligible', () => {
    expect(randomScan([0, 1, 3], () => 0.3)).toBe(2);
    expect(randomScan([0, 1, 3], () => 0.2)).toBe(1);
    expect(randomScan([0, 0, 0], () => 0.2)).toBe(-1);
  });

  test('an rng of 1 (r rounded up to the total) keeps to the last eligible peer', () => {
    expect(randomScan([1, 1, 0], () => 1)).toBe(1);
  });
});
