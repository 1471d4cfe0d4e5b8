/**
 * Sticky weighted picks by weighted rendezvous hashing (highest random weight): each peer scores
 * `ln(u) / weight`, where `u` in (0, 1) is a hash of (client, peer), and the highest score wins.
 * A peer is chosen with probability weight / total, and the choice is monotone in the weights: when
 * a peer's weight grows (or another's shrinks) a client on it stays on it, and a client moves only
 * towards a peer whose weight grew. Peers are identified by stable keys (a destination's
 * `host|subset|port`, an endpoint's `address:port`), so their order and the table do not matter.
 * Pure: no I/O, no clock, no randomness.
 */
import { smoothStep } from './smooth';
import { checkWeights, type EndpointPicker, type Skip } from './types';

/** 32-bit FNV-1a over the UTF-16 code units of `s`. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finalizer: every input bit flips each output bit with probability about 1/2. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hash of a client address; an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) hashes as its IPv4 form. */
export function addressHash(address: string): number {
  const a = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  return mix32(hashString(a));
}

/** The seed of a peer key. */
export function peerSeed(key: string): number {
  return mix32(hashString(key) ^ 0x9e3779b9);
}

/**
 * The index with the highest weighted rendezvous score for `hash`; peers with weight 0 or for
 * which `skip` is true take no part. -1 when none is eligible. O(n).
 */
export function rendezvous(hash: number, seeds: Uint32Array, weights: Float64Array, skip?: Skip): number {
  let best = -1;
  let bestScore = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (w <= 0 || (skip !== undefined && skip(i))) continue;
    const u = (mix32((hash ^ seeds[i]!) >>> 0) + 0.5) / 4294967296;
    const score = Math.log(u) / w;
    if (best < 0 || score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return best;
}

/** Picks a route's destination from the client address hash; the constructor throws a RangeError on a negative weight. */
export class StickyPicker {
  private readonly seeds: Uint32Array;
  private readonly weights: Float64Array;

  constructor(keys: readonly string[], weights: readonly number[]) {
    if (keys.length !== weights.length) throw new RangeError('one key per weight');
    checkWeights(weights, false);
    this.seeds = Uint32Array.from(keys, peerSeed);
    this.weights = Float64Array.from(weights);
  }

  /** The index for client `hash`; -1 only when no peer has a weight. */
  pick(hash: number, skip?: Skip): number {
    return rendezvous(hash, this.seeds, this.weights, skip);
  }
}

/**
 * `consistentHash.useSourceIp`: the endpoint is picked from the client address hash (failover
 * takes the next best score, as `skip` leaves the tried ones out). A connection without a known
 * address (the native data path) is placed by smooth weighted round robin instead.
 */
export class SourceHashPicker implements EndpointPicker {
  private readonly sticky: StickyPicker;
  private readonly weights: Float64Array;
  private readonly current: Float64Array;

  constructor(keys: readonly string[], weights: readonly number[]) {
    this.sticky = new StickyPicker(keys, weights);
    this.weights = Float64Array.from(weights);
    this.current = new Float64Array(weights.length);
  }

  pick(skip?: Skip, hash?: number): number {
    return hash === undefined ? smoothStep(this.weights, this.current, skip) : this.sticky.pick(hash, skip);
  }
}
