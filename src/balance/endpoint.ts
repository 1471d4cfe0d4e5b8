/**
 * Endpoint pickers inside one subset, chosen by the DestinationRule's `loadBalancer.simple`.
 * Each returns an index into the subset's endpoint list, or -1 when nothing is eligible
 * (every endpoint has weight 0 or is skipped). Endpoint weights may all be 0 (the picker then
 * always returns -1) so that a zero-weight destination without endpoints still builds.
 */
import type { LoadBalancerKind } from '../manifest/types';
import { randomScan, RandomWeightedPicker } from './random';
import { smoothStep } from './smooth';
import { SourceHashPicker } from './sticky';
import { checkWeights, type ActiveCount, type EndpointPicker, type Rng, type Skip } from './types';

/** Above this many endpoints LEAST_REQUEST samples two at random (Envoy's P2C) instead of scanning all. */
export const FULL_SCAN_MAX = 32;

/**
 * Envoy's LEAST_REQUEST. Equal weights: fewest active connections wins; ties go round-robin
 * (a cursor moves past each pick) so sequential short connections spread over every endpoint.
 * Above FULL_SCAN_MAX endpoints: power of two choices. Unequal weights: smooth weighted round
 * robin over `weight / (active + 1)`, so idle endpoints share by weight and busy ones get less.
 */
export class LeastRequestPicker implements EndpointPicker {
  private readonly weights: Float64Array;
  private readonly equal: boolean;
  private readonly current: Float64Array | null;
  private readonly effective: Float64Array | null;
  private cursor = 0;

  constructor(weights: readonly number[], private readonly active: ActiveCount, private readonly rng: Rng = Math.random) {
    checkWeights(weights, false);
    this.weights = Float64Array.from(weights);
    const positive = weights.filter((w) => w > 0);
    this.equal = positive.every((w) => w === positive[0]);
    this.current = this.equal ? null : new Float64Array(weights.length);
    this.effective = this.equal ? null : new Float64Array(weights.length);
  }

  pick(skip?: Skip): number {
    if (!this.equal) return this.pickWeighted(skip);
    const n = this.weights.length;
    if (n > FULL_SCAN_MAX) {
      const a = Math.floor(this.rng() * n);
      const b = Math.floor(this.rng() * n);
      if (this.eligible(a, skip) && this.eligible(b, skip)) return this.active(b) < this.active(a) ? b : a;
    }
    return this.scan(skip);
  }

  private eligible(i: number, skip: Skip | undefined): boolean {
    return i < this.weights.length && this.weights[i]! > 0 && (skip === undefined || !skip(i));
  }

  /** Fewest active, starting at the cursor so that ties rotate. */
  private scan(skip: Skip | undefined): number {
    const n = this.weights.length;
    let best = -1;
    let bestActive = 0;
    for (let k = 0; k < n; k++) {
      const i = (this.cursor + k) % n;
      if (this.weights[i]! <= 0 || (skip !== undefined && skip(i))) continue;
      const a = this.active(i);
      if (best < 0 || a < bestActive) {
        best = i;
        bestActive = a;
      }
    }
    if (best >= 0) this.cursor = (best + 1) % n;
    return best;
  }

  private pickWeighted(skip: Skip | undefined): number {
    const eff = this.effective!;
    for (let i = 0; i < eff.length; i++) eff[i] = this.weights[i]! / (this.active(i) + 1);
    return smoothStep(eff, this.current!, skip);
  }
}

/** ROUND_ROBIN: smooth weighted round robin over the endpoint weights. */
export class RoundRobinPicker implements EndpointPicker {
  private readonly weights: Float64Array;
  private readonly current: Float64Array;

  constructor(weights: readonly number[]) {
    checkWeights(weights, false);
    this.weights = Float64Array.from(weights);
    this.current = new Float64Array(weights.length);
  }

  pick(skip?: Skip): number {
    return smoothStep(this.weights, this.current, skip);
  }
}

/** RANDOM: weighted random; O(log n) without `skip`, O(n) with it. */
export class RandomPicker implements EndpointPicker {
  private readonly weights: Float64Array;
  private readonly fast: RandomWeightedPicker | null;

  constructor(weights: readonly number[], private readonly rng: Rng = Math.random) {
    const total = checkWeights(weights, false);
    this.weights = Float64Array.from(weights);
    this.fast = total > 0 ? new RandomWeightedPicker(weights, rng) : null;
  }

  pick(skip?: Skip): number {
    if (this.fast === null) return -1;
    return skip === undefined ? this.fast.pick() : randomScan(this.weights, this.rng, skip);
  }
}

/** Builds the picker for `kind` (`keys`: stable endpoint keys, which SOURCE_IP_HASH hashes); throws a RangeError on a negative or non-finite weight. */
export function createEndpointPicker(
  kind: LoadBalancerKind,
  weights: readonly number[],
  active: ActiveCount,
  rng: Rng = Math.random,
  keys: readonly string[] = weights.map((_, i) => String(i)),
): EndpointPicker {
  switch (kind) {
    case 'SOURCE_IP_HASH':
      return new SourceHashPicker(keys, weights);
    case 'ROUND_ROBIN':
      return new RoundRobinPicker(weights);
    case 'RANDOM':
      return new RandomPicker(weights, rng);
    case 'LEAST_REQUEST':
      return new LeastRequestPicker(weights, active, rng);
  }
}
