/**
 * Which entry of a TLS socket a ClientHello's SNI picks, as Envoy's filter-chain match does: the
 * exact name, then the longest matching `*.suffix`, then the entry without SNI names (the
 * fallback). A Map lookup per label of the name: the cost does not grow with the number of routes.
 */

/** The SNI routes of one socket. */
export class SniTable<T> {
  private readonly exact = new Map<string, T>();
  /** `*.example.com` is kept under `example.com`. */
  private readonly wildcard = new Map<string, T>();

  constructor(readonly fallback: T | null) {}

  /** Adds `names` (lower-case, exact or `*.suffix`) for `entry`; a name already taken keeps its first entry. */
  add(names: readonly string[], entry: T): void {
    for (const n of names) {
      const [map, key] = n.startsWith('*.') ? [this.wildcard, n.slice(2)] : [this.exact, n];
      if (!map.has(key)) map.set(key, entry);
    }
  }

  /** Number of names (exact and wildcard). */
  get size(): number {
    return this.exact.size + this.wildcard.size;
  }

  /** The entry for `sni` (lower-case; null: the hello named none): exact, longest `*.suffix`, fallback, else null. */
  pick(sni: string | null): T | null {
    if (sni === null) return this.fallback;
    const e = this.exact.get(sni);
    if (e !== undefined) return e;
    if (this.wildcard.size > 0) {
      // `*.b.example.com` before `*.example.com`: walk the suffixes from the longest.
      for (let dot = sni.indexOf('.'); dot >= 0; dot = sni.indexOf('.', dot + 1)) {
        const w = this.wildcard.get(sni.slice(dot + 1));
        if (w !== undefined) return w;
      }
    }
    return this.fallback;
  }
}
