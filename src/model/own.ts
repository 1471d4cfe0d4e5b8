/** Lookups in records keyed by names a user wrote: own keys only, so `constructor` is just a name. Pure. */

/** The value of `key` when it is an own property of `record`, else undefined (never an inherited member). */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** True when `labels` has every entry of `wanted` as its own (an empty `wanted` is matched by anything). */
export function hasLabels(labels: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>): boolean {
  return Object.entries(wanted).every(([k, v]) => ownValue(labels, k) === v);
}
