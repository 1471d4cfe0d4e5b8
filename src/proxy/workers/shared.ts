/**
 * The memory every data-plane worker shares with the pool (one SharedArrayBuffer of Uint32): word 0
 * is the generation of the live table, which the pool flips with Atomics.store once every worker has
 * bound the next table, and each worker reads at accept; the other words are one pick counter per
 * listener route. A route's picks index its smooth weighted round robin sequence, computed once per
 * table by every worker alike: the n-th new connection on a listener gets the n-th entry whichever
 * worker accepted it, so 80/20 stays 8 and 2 in every 10 over all workers together.
 */
import { SmoothWeightedPicker, smoothStep, type Skip } from '../../balance';

/** Route counters the shared memory holds (slot 0 is the generation). */
export const ROUTE_SLOTS = 1 << 16;
/** A route whose weights add up to more than this picks per worker instead (its sequence would be too long). */
export const MAX_SEQUENCE = 100_000;

/** A new shared memory: generation 0, every counter 0. */
export function sharedMemory(): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(4 * (ROUTE_SLOTS + 1)));
}

/** The generation of the live table. */
export function liveGeneration(mem: Uint32Array): number {
  return Atomics.load(mem, 0);
}

/** Makes generation `gen` live in every worker at once. */
export function flipGeneration(mem: Uint32Array, gen: number): void {
  Atomics.store(mem, 0, gen);
}

/** Starts route slot `slot` (1 ≤ slot ≤ ROUTE_SLOTS) from its first pick. */
export function resetSlot(mem: Uint32Array, slot: number): void {
  Atomics.store(mem, slot, 0);
}

/** One period of smooth WRR over integer `weights` (length = their sum), or null when they are not integers or too many. */
export function swrrSequence(weights: readonly number[]): Uint16Array | null {
  const total = weights.reduce((a, w) => a + w, 0);
  if (!weights.every((w) => Number.isInteger(w)) || total > MAX_SEQUENCE || weights.length > 0xffff) return null;
  const w = Float64Array.from(weights);
  const current = new Float64Array(weights.length);
  const seq = new Uint16Array(total);
  for (let i = 0; i < total; i++) seq[i] = smoothStep(w, current);
  return seq;
}

/**
 * A listener's subset picker over the shared sequence: pick() takes the route's next pick number
 * with one Atomics.add. Picks with a `skip` (none today) fall back to this worker's own SWRR.
 */
export class SharedSequencePicker extends SmoothWeightedPicker {
  constructor(weights: readonly number[], private readonly mem: Uint32Array, private readonly slot: number, private readonly sequence: Uint16Array) {
    super(weights);
  }

  override pick(skip?: Skip): number {
    if (skip !== undefined) return super.pick(skip);
    const n = Atomics.add(this.mem, this.slot, 1) >>> 0;
    return this.sequence[n % this.sequence.length]!;
  }
}

/** The picker for a route in slot `slot` (0: none free), shared when its weights allow. */
export function routePicker(weights: readonly number[], mem: Uint32Array, slot: number): SmoothWeightedPicker {
  const seq = slot > 0 ? swrrSequence(weights) : null;
  // Validates the weights (the RangeError the table holder reports) before anything else.
  if (seq === null || seq.length === 0) return new SmoothWeightedPicker(weights);
  return new SharedSequencePicker(weights, mem, slot, seq);
}
