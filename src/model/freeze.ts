/** Deep freezing of plain data. Pure. */

/** Freezes `value` and everything reachable from it; returns it typed as readonly. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    const o = value as Record<string, unknown>;
    // for…in allocates nothing, unlike Object.values: a 1,000-route table has ~20,000 objects.
    for (const k in o) deepFreeze(o[k]);
  }
  return value;
}
