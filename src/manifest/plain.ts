/** A document's JS value → a JSON-safe tree, refusing documents that aliases blow up past a budget. Pure. */

/** Values (scalars and collections) a document may expand to once its aliases are copied out. */
export const MAX_PLAIN_VALUES = 1 << 20;
/** Nesting allowed once aliases are copied out (aliases can stack the 64 levels of the text). */
export const MAX_PLAIN_DEPTH = 1000;

/**
 * A JSON-safe copy of `value` (a tree: shared alias targets are copied; binary → base64, dates → ISO,
 * non-finite numbers → null), or undefined when it would exceed MAX_PLAIN_VALUES or MAX_PLAIN_DEPTH.
 */
export function toPlain(value: unknown): { value: unknown } | undefined {
  const budget = { left: MAX_PLAIN_VALUES };
  try {
    return { value: copy(value, 0, budget) };
  } catch (e) {
    if (e instanceof OverBudget) return undefined;
    throw e;
  }
}

class OverBudget extends Error {}

function copy(v: unknown, depth: number, budget: { left: number }): unknown {
  if (--budget.left < 0 || depth > MAX_PLAIN_DEPTH) throw new OverBudget();
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (Array.isArray(v) || v instanceof Set) return Array.from(v as Iterable<unknown>, (x) => copy(x, depth + 1, budget));
  if (v instanceof Map) {
    return Object.fromEntries(Array.from(v, ([k, x]: [unknown, unknown]) => [String(k), copy(x, depth + 1, budget)]));
  }
  if (typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x, depth + 1, budget)]));
  }
  return String(v);
}
