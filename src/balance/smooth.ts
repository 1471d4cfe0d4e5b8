/**
 * nginx's smooth weighted round robin: every pick adds each weight to its peer's running score,
 * takes the highest score and subtracts the total from it. 80/20 gives A A B A A, exactly 8 and 2
 * in every 10 consecutive picks. O(n) per pick, no loop that can spin.
 */
import { checkWeights, type Skip } from './types';

/**
 * One smooth-WRR step over `weights` with running scores `current` (mutated). Peers with weight 0
 * or for which `skip` is true take no part (as nginx does for tried peers). Returns -1 if none is eligible.
 */
export function smoothStep(weights: ArrayLike<number>, current: Float64Array, skip?: Skip): number {
  let best = -1;
  let bestScore = 0;
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (w <= 0 || (skip !== undefined && skip(i))) continue;
    const score = current[i]! + w;
    current[i] = score;
    total += w;
    if (best < 0 || score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  if (best >= 0) current[best] = bestScore - total;
  return best;
}

/** Smooth weighted round robin over integer weights; the constructor throws a RangeError on a negative weight or a zero total. */
export class SmoothWeightedPicker {
  private readonly weights: Float64Array;
  private readonly current: Float64Array;

  constructor(weights: readonly number[]) {
    const total = checkWeights(weights, true);
    if (total <= 0) throw new RangeError('weights must not all be zero');
    this.weights = Float64Array.from(weights);
    this.current = new Float64Array(weights.length);
  }

  /** Number of peers (including zero-weight ones). */
  get size(): number {
    return this.weights.length;
  }

  /** Returns the index of the next peer; -1 only when `skip` rules out every peer with a weight. */
  pick(skip?: Skip): number {
    return smoothStep(this.weights, this.current, skip);
  }
}
