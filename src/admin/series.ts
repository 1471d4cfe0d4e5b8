/**
 * The per-route time series of the web view: new connections per second per destination over the last
 * 15 minutes, one sample a second, in fixed-size rings. Sampling reads each destination's `opened`
 * counter once (O(destinations)); nothing runs on the connection path. A destination's ring is
 * allocated on its first connection: until then its series is zeros from when it appeared, so a table
 * of thousands of idle routes costs a few fields each; a ring is 900 Float32 (3.6 KB; a second's count
 * is exact up to 16 million).
 */
import type { ProxySnapshot } from '../proxy/snapshot';

/** Samples kept: 15 minutes at one a second. */
export const SERIES_LENGTH = 900;

/** One route's series as the page draws them: times (Unix seconds) and, per destination, new connections in each second. */
export interface RouteSeries {
  readonly listener: string;
  readonly times: number[];
  /** Destination key → values aligned with `times` (null before the destination existed). */
  readonly destinations: { readonly key: string; readonly values: (number | null)[] }[];
}

interface Ring {
  /** Null while every sample since `born` was 0. */
  values: Float32Array | null;
  /** The sample number (see `taken`) the destination appeared at. */
  readonly born: number;
  /** The destination's `opened` at the last sample (a smaller value later means a new counter: counted from 0). */
  lastOpened: number;
}

/** Fixed-size rings of per-second new-connection counts, one per listener × destination. */
export class Series {
  private readonly times: Float64Array;
  /** `${listener}\n${destination}` → ring. */
  private readonly rings = new Map<string, Ring>();
  private head = 0;
  private filled = 0;
  /** Samples taken, ever. */
  private taken = 0;

  constructor(private readonly length = SERIES_LENGTH) {
    this.times = new Float64Array(length).fill(Number.NaN);
  }

  /** Records one sample at `atMs` from the counters in `snap`; destinations no longer served are dropped. */
  sample(snap: ProxySnapshot, atMs: number): void {
    const slot = this.head;
    this.times[slot] = Math.round(atMs / 1000);
    const seen = new Set<string>();
    for (const l of snap.listeners) {
      for (const d of l.route.destinations) {
        const id = `${l.key}\n${d.key}`;
        seen.add(id);
        let ring = this.rings.get(id);
        if (!ring) {
          // A new destination: no value before now; its counter so far counts as this second's.
          ring = { values: null, born: this.taken, lastOpened: 0 };
          this.rings.set(id, ring);
        }
        const delta = d.opened >= ring.lastOpened ? d.opened - ring.lastOpened : d.opened;
        ring.lastOpened = d.opened;
        if (delta !== 0) ring.values ??= this.zeros(ring.born);
        if (ring.values) ring.values[slot] = delta;
      }
    }
    for (const id of this.rings.keys()) if (!seen.has(id)) this.rings.delete(id);
    this.head = (slot + 1) % this.length;
    this.filled = Math.min(this.length, this.filled + 1);
    this.taken += 1;
  }

  /** A ring holding 0 for the samples since `born` (this one included), no value before. */
  private zeros(born: number): Float32Array {
    const values = new Float32Array(this.length).fill(Number.NaN);
    for (let n = Math.max(born, this.taken - this.length + 1); n <= this.taken; n++) values[n % this.length] = 0;
    return values;
  }

  /** Every route's series, oldest sample first (for the page's first snapshot). */
  all(): RouteSeries[] {
    return this.window(this.filled);
  }

  /** The last `n` samples of every route (the 1 s tick sends 1). */
  window(n: number): RouteSeries[] {
    const count = Math.min(n, this.filled);
    const start = (this.head - count + this.length) % this.length;
    const idx = Array.from({ length: count }, (_, i) => (start + i) % this.length);
    const first = this.taken - count; // the sample number of idx[0]
    const times = idx.map((i) => this.times[i]!);
    const byListener = new Map<string, RouteSeries>();
    for (const [id, ring] of this.rings) {
      const cut = id.indexOf('\n');
      const listener = id.slice(0, cut);
      let route = byListener.get(listener);
      if (!route) {
        route = { listener, times, destinations: [] };
        byListener.set(listener, route);
      }
      const values = ring.values;
      route.destinations.push({
        key: id.slice(cut + 1),
        values: values ? idx.map((i) => (Number.isNaN(values[i]!) ? null : values[i]!)) : idx.map((_, k) => (first + k >= ring.born ? 0 : null)),
      });
    }
    return [...byListener.values()];
  }
}
