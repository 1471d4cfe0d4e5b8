/** Shared shapes of the pickers. Pure: no I/O, randomness only through an injected `Rng`. */

/** Returns a number in [0, 1), like `Math.random`. */
export type Rng = () => number;

/** True when index `i` must not be picked (ejected, already tried). */
export type Skip = (i: number) => boolean;

/** Active connections of the endpoint at index `i`, as the proxy counts them. */
export type ActiveCount = (i: number) => number;

/** Picks an endpoint index inside one subset; returns -1 when nothing is eligible. */
export interface EndpointPicker {
  /** `hash`: the client address hash, used by hashing pickers and ignored by the others. */
  pick(skip?: Skip, hash?: number): number;
}

/** Throws a RangeError unless every weight is a finite number >= 0; returns their sum. */
export function checkWeights(weights: readonly number[], integers: boolean): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!Number.isFinite(w) || w < 0) throw new RangeError(`weight[${i}] must be a finite number >= 0, got ${w}`);
    if (integers && !Number.isInteger(w)) throw new RangeError(`weight[${i}] must be an integer, got ${w}`);
    total += w;
  }
  return total;
}
