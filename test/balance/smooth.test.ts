import { RandomWeightedPicker, SmoothWeightedPicker } from '../../src/balance';
import { mulberry32 } from '../helpers/rng';

function counts(picker: { pick(): number }, n: number, size: number): number[] {
  const out = new Array<number>(size).fill(0);
  for (let i = 0; i < n; i++) {
    const p = picker.pick();
    out[p] = (out[p] ?? 0) + 1;
  }
  return out;
}

describe('SmoothWeightedPicker', () => {
  const vectors: number[][] = [[80, 20], [1, 1, 1], [0, 5], [3, 0, 1], [100], [5, 3, 2], [2, 7], [1, 0, 0, 4, 2]];

  test.each(vectors.map((w) => [w]))('counts equal weights exactly over N·Σw picks: %p', (weights: number[]) => {
    const total = weights.reduce((a, b) => a + b, 0);
    for (const rounds of [1, 3]) {
      const picker = new SmoothWeightedPicker(weights);
      expect(counts(picker, rounds * total, weights.length)).toEqual(weights.map((w) => w * rounds));
    }
  });

  test.each(vectors.map((w) => [w]))('every window of Σw consecutive picks holds exact counts: %p', (weights: number[]) => {
    const total = weights.reduce((a, b) => a + b, 0);
    const picker = new SmoothWeightedPicker(weights);
    const seq = Array.from({ length: total * 3 }, () => picker.pick());
    for (let start = 0; start + total <= seq.length; start++) {
      const window = new Array<number>(weights.length).fill(0);
      for (const p of seq.slice(start, start + total)) window[p] = (window[p] ?? 0) + 1;
      expect(window).toEqual(weights);
    }
  });

  test('80/20 interleaves: A A B A A, exactly 8 and 2 in every 10 consecutive picks', () => {
    const picker = new SmoothWeightedPicker([80, 20]);
    const seq = Array.from({ length: 200 }, () => picker.pick());
    expect(seq.slice(0, 10)).toEqual([0, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
    for (let start = 0; start + 10 <= seq.length; start++) {
      expect(seq.slice(start, start + 10).filter((p) => p === 1)).toHaveLength(2);
    }
    // never two B in a row, never more than 4 A in a row
    const text = seq.map((p) => (p === 0 ? 'A' : 'B')).join('');
    expect(text).not.toMatch(/BB/);
    expect(text).not.toMatch(/AAAAA/);
  });

  test('zero-weight peers are never picked', () => {
    const picker = new SmoothWeightedPicker([0, 3, 0, 1, 0]);
    const seen = new Set(Array.from({ length: 400 }, () => picker.pick()));
    expect([...seen].sort()).toEqual([1, 3]);
  });

  test('skip leaves a peer out without disturbing the others', () => {
    const picker = new SmoothWeightedPicker([1, 1, 1]);
    const seq = Array.from({ length: 6 }, () => picker.pick((i) => i === 1));
    expect(seq.filter((p) => p === 1)).toHaveLength(0);
    expect(seq.filter((p) => p === 0)).toHaveLength(3);
    expect(picker.pick(() => true)).toBe(-1);
  });

  test.each([
    ['negative', [1, -1]],
    ['zero total', [0, 0]],
    ['empty', []],
    ['not an integer', [1.5, 1]],
    ['NaN', [Number.NaN]],
    ['infinite', [Number.POSITIVE_INFINITY]],
  ])('constructor rejects %s weights', (_name, weights) => {
    expect(() => new SmoothWeightedPicker(weights as number[])).toThrow(RangeError);
  });
});

describe('RandomWeightedPicker', () => {
  test.each([[[80, 20]], [[1, 1, 1]], [[3, 0, 1]], [[0, 5]], [[100]]])('distribution within 2%% of weights: %p', (weights: number[]) => {
    const total = weights.reduce((a, b) => a + b, 0);
    const n = 50_000;
    const got = counts(new RandomWeightedPicker(weights, mulberry32(42)), n, weights.length);
    weights.forEach((w, i) => {
      expect(Math.abs((got[i] ?? 0) / n - w / total)).toBeLessThan(0.02);
      if (w === 0) expect(got[i]).toBe(0);
    });
  });

  test('rng edge values stay on weighted peers', () => {
    expect(new RandomWeightedPicker([0, 2, 0], () => 0).pick()).toBe(1);
    expect(new RandomWeightedPicker([0, 2, 0], () => 0.9999999999999999).pick()).toBe(1);
    expect(new RandomWeightedPicker([1, 1, 0], () => 1).pick()).toBe(1);
  });

  test('pickSkipping never returns a skipped or zero-weight peer', () => {
    const picker = new RandomWeightedPicker([1, 0, 1, 1], mulberry32(7));
    for (let i = 0; i < 500; i++) expect([2, 3]).toContain(picker.pickSkipping((k) => k === 0));
    expect(picker.pickSkipping(() => true)).toBe(-1);
  });

  test.each([[[1, -1]], [[0]], [[]]])('constructor rejects %p', (weights: number[]) => {
    expect(() => new RandomWeightedPicker(weights)).toThrow(RangeError);
  });
});
