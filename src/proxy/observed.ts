/**
 * The observed share: which destination each of a listener's last 1,000 new connections was given,
 * so `tcpshift status` can show the declared weights next to what actually happened. Recording is
 * one typed-array write per connection; counting happens when a snapshot is asked for. Rings are
 * keyed by listener and outlive table swaps, so a shift can be watched as it happens.
 */

/** How many recent connections each listener remembers. */
export const OBSERVED_WINDOW = 1000;

/** A fixed ring of destination ids, allocated on its first connection (a listener no one uses holds none). */
export class ObservedRing {
  private slots: Uint32Array | null = null;
  private next = 0;
  private filled = 0;

  constructor(readonly size = OBSERVED_WINDOW) {}

  /** Records that a new connection was given destination `id`. */
  record(id: number): void {
    const slots = (this.slots ??= new Uint32Array(this.size));
    slots[this.next] = id;
    this.next = this.next + 1 === this.size ? 0 : this.next + 1;
    if (this.filled < this.size) this.filled++;
  }

  /** How many connections the window holds (≤ size). */
  get count(): number {
    return this.filled;
  }

  /** Connections per destination id within the window. */
  counts(): Map<number, number> {
    const out = new Map<number, number>();
    const slots = this.slots;
    if (slots === null) return out;
    for (let i = 0; i < this.filled; i++) {
      const id = slots[i]!;
      out.set(id, (out.get(id) ?? 0) + 1);
    }
    return out;
  }
}

/** Rings per listener key and small integer ids per destination key, both kept across tables. */
export class ObservedShares {
  private readonly rings = new Map<string, ObservedRing>();
  private readonly ids = new Map<string, number>();

  /** The ring of listener `key`, created on first use. */
  ring(key: string): ObservedRing {
    let r = this.rings.get(key);
    if (r === undefined) {
      r = new ObservedRing();
      this.rings.set(key, r);
    }
    return r;
  }

  /** The id of destination `key` (its `host|subset|port`), allocated on first use. */
  id(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(key, id);
    }
    return id;
  }
}

/** Percent (two decimals) of `n` in `total`; null when nothing was observed. */
export function observedPercent(n: number, total: number): number | null {
  return total === 0 ? null : Math.round((n / total) * 10_000) / 100;
}
