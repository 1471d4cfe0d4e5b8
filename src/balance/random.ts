/** Envoy-style weighted random: a peer is chosen with probability weight / total. */
import { checkWeights, type Rng, type Skip } from './types';

/** Weighted random over prefix sums, O(log n) per pick; the constructor throws a RangeError on a negative weight or a zero total. */
export class RandomWeightedPicker {
  private readonly weights: Float64Array;
  private readonly prefix: Float64Array;
  private readonly total: number;
  private readonly last: number;

  constructor(weights: readonly number[], private readonly rng: Rng = Math.random) {
    this.total = checkWeights(weights, false);
    if (this.total <= 0) throw new RangeError('weights must not all be zero');
    this.weights = Float64Array.from(weights);
    this.prefix = new Float64Array(weights.length);
    let sum = 0;
    let last = 0;
    for (let i = 0; i < weights.length; i++) {
      sum += weights[i]!;
      this.prefix[i] = sum;
      if (weights[i]! > 0) last = i;
    }
    this.last = last;
  }

  /** Returns an index; never one with weight 0. */
  pick(): number {
    const r = this.rng() * this.total;
    let lo = 0;
    let hi = this.prefix.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.prefix[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    // rng() may return a value that rounds r up to the total: keep to a peer with a weight.
    return this.prefix[lo]! > r ? lo : this.last;
  }

  /** Like pick(), skipping peers for which `skip` is true; O(n); -1 when none is eligible. */
  pickSkipping(skip: Skip): number {
    return randomScan(this.weights, this.rng, skip);
  }
}

/** Weighted random by a linear scan over the eligible peers; -1 when none has a weight. */
export function randomScan(weights: ArrayLike<number>, rng: Rng, skip?: Skip): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (w > 0 && (skip === undefined || !skip(i))) total += w;
  }
  if (total <= 0) return -1;
  let r = rng() * total;
  let chosen = -1;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (w <= 0 || (skip !== undefined && skip(i))) continue;
    chosen = i;
    if (r < w) break;
    r -= w;
  }
  return chosen;
}
