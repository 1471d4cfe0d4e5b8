/**
 * The plan of a rollout: at step `s` (percent of the shift) each destination's share is
 * `from + s/100 × (to − from)`; and the served table, the committed one with the governed routes'
 * shares replaced. Pure.
 */
import { deepFreeze } from '../model/freeze';
import type { Destination, Listener, Route, RoutingTable } from '../model/types';

/** Share of new connections per destination key (`host|subset|port`), percent. Read with `Object.hasOwn`. */
export type Shares = Readonly<Record<string, number>>;

/** One governed route of a rollout: the listener it serves, and the shares it goes from and to. */
export interface RolloutRoute {
  readonly listener: string;
  readonly from: Shares;
  readonly to: Shares;
}

/** The shares a route serves (its destinations' percent). */
export function sharesOf(route: Route): Shares {
  return Object.fromEntries(route.destinations.map((d) => [d.key, d.percent]));
}

function shareIn(s: Shares, key: string): number {
  return Object.hasOwn(s, key) ? s[key] ?? 0 : 0;
}

/** Every key of `a` and `b`, `a`'s order first. */
function keysOf(a: Shares, b: Shares): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

/**
 * The shares at `stepPercent` of the shift from `from` to `to`, rounded to 2 decimals, for the destinations
 * of `to` (one the commit removed from the route cannot be served; the picker spreads its share by weight).
 */
export function stepShares(from: Shares, to: Shares, stepPercent: number): Shares {
  if (stepPercent >= 100) return { ...to };
  return Object.fromEntries(Object.keys(to).map((k) => {
    const f = shareIn(from, k);
    return [k, Math.round((f + (stepPercent / 100) * (shareIn(to, k) - f)) * 100) / 100];
  }));
}

/** The shares of every step, in order. */
export function planOf(from: Shares, to: Shares, steps: readonly number[]): Shares[] {
  return steps.map((s) => stepShares(from, to, s));
}

/** True when both give every destination the same share. */
export function sameShares(a: Shares, b: Shares): boolean {
  return keysOf(a, b).every((k) => Math.abs(shareIn(a, k) - shareIn(b, k)) < 0.005);
}

/** The destinations whose share grows from `from` to `to` (the ones a rollout's checks watch). */
export function gainingKeys(from: Shares, to: Shares): string[] {
  return keysOf(from, to).filter((k) => shareIn(to, k) > shareIn(from, k));
}

/**
 * `table` with the shares of each listed route replaced (weight = share × 100, so the smooth picker
 * keeps the ratio), built new and frozen; destinations the shares do not name serve 0.
 */
export function servedTable(table: RoutingTable, shares: ReadonlyMap<string, Shares>): RoutingTable {
  if (shares.size === 0) return table;
  const listeners = table.listeners.map((l): Listener => {
    const s = shares.get(l.key);
    if (!s) return l;
    const destinations = l.route.destinations.map((d): Destination => {
      const p = shareIn(s, d.key);
      return { ...d, percent: p, weight: Math.round(p * 100) };
    });
    return { ...l, route: { ...l.route, destinations } };
  });
  return deepFreeze({ ...table, listeners });
}

/** `95/5`-style label of shares in `keys` order. */
export function sharesLabel(s: Shares, keys: readonly string[]): string {
  return keys.map((k) => String(shareIn(s, k))).join('/');
}
