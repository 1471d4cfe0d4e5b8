/**
 * Which open connections of one listener to close so that its active split follows its weights
 * (ConnectionPolicy.rebalance). A pure planner over plain numbers — no sockets, no clock — plus the
 * per-listener close-rate limiter; src/proxy/sweep.ts feeds both from the live connections and
 * performs the closes.
 *
 * The model: a closed client reconnects and is placed by the weights, so closing one connection of
 * destination d moves d's expected count down by 1 and every serving destination's up by its share.
 * Closes go to the most over-share destination first, oldest idle connection first, until every
 * destination is within REBALANCE_TOLERANCE_POINTS of its weight share (or less than one whole
 * connection over it, so small pools do not churn), within the rate budget.
 */
import type { ConnectionPolicy } from '../model/types';

/** Why the proxy closed an open connection. */
export type CloseReason = 'expired' | 'rebalance' | 'drain' | 'drain_after';
/** The reasons a rebalancing close can have (the `reason` label of tcpshift_rebalanced_connections_total). */
export const REBALANCE_REASONS = ['rebalance', 'drain', 'drain_after'] as const;
export type RebalanceReason = (typeof REBALANCE_REASONS)[number];

/** Active shares may differ from the weight shares by this many percentage points. */
export const REBALANCE_TOLERANCE_POINTS = 2;

/** One open connection as the planner sees it. */
export interface PlanConnection<C> {
  readonly conn: C;
  /** Its destination's key (`host|subset|port`). */
  readonly destination: string;
  /** Accept time, ms. */
  readonly since: number;
  /** Last time it moved a byte (ms), or null when unknown or busy now: never idle then. */
  readonly activeAt: number | null;
  /**
   * With sticky picks: the destination the client would be given if it reconnected now. A client
   * that would come back to the same destination is never closed by rebalancing (it would churn).
   * Absent: placed by the weights.
   */
  readonly returnsTo?: string;
}

export interface PlanInput<C> {
  readonly now: number;
  readonly policy: ConnectionPolicy;
  /** Weights of the route's destinations by key; those at 0 (or absent) are draining. */
  readonly weights: ReadonlyMap<string, number>;
  /** The listener's open connections (not being closed already). */
  readonly conns: readonly PlanConnection<C>[];
  /** Since when each draining destination has been draining (ms); absent = now. */
  readonly drainingSince: ReadonlyMap<string, number>;
  /** Idle closes allowed now (drain_after closes are not counted against it). */
  readonly budget: number;
}

export interface PlannedClose<C> {
  readonly conn: C;
  readonly destination: string;
  readonly reason: RebalanceReason;
}

/** The closes to make now, in order. */
export function planCloses<C>(input: PlanInput<C>): PlannedClose<C>[] {
  const { now, policy, weights } = input;
  const total = [...weights.values()].reduce((a, w) => a + (w > 0 ? w : 0), 0);
  const out: PlannedClose<C>[] = [];
  const byDest = new Map<string, PlanConnection<C>[]>();
  for (const c of input.conns) {
    const list = byDest.get(c.destination);
    if (list === undefined) byDest.set(c.destination, [c]);
    else list.push(c);
  }
  const idle = (c: PlanConnection<C>) => c.activeAt !== null && now - c.activeAt >= policy.closeWhenIdleForMs;
  const oldestIdle = (list: readonly PlanConnection<C>[]) => list.filter(idle).sort((a, b) => a.since - b.since);
  let budget = Math.max(0, Math.floor(input.budget));
  let reconnecting = 0;

  // Draining destinations: everything after drainAfter, idle ones (within the budget) before.
  for (const [dest, list] of byDest) {
    if ((weights.get(dest) ?? 0) > 0) continue;
    const since = input.drainingSince.get(dest) ?? now;
    if (policy.drainAfterMs > 0 && now - since >= policy.drainAfterMs) {
      for (const c of list) out.push({ conn: c.conn, destination: dest, reason: 'drain_after' });
      reconnecting += list.length;
      continue;
    }
    for (const c of oldestIdle(list)) {
      if (budget === 0) break;
      out.push({ conn: c.conn, destination: dest, reason: 'drain' });
      budget--;
      reconnecting++;
    }
  }
  if (total <= 0 || budget === 0) return out;

  // Serving destinations: expected counts once the closed clients have come back by the weights.
  const n = input.conns.length;
  const serving = [...weights].filter(([, w]) => w > 0).map(([key, w]) => {
    const share = w / total;
    const movable = oldestIdle(byDest.get(key) ?? []).filter((c) => c.returnsTo !== key);
    return { key, share, expected: (byDest.get(key)?.length ?? 0) + reconnecting * share, idle: movable };
  });
  const byKey = new Map(serving.map((d) => [d.key, d]));
  while (budget > 0) {
    let pick: (typeof serving)[number] | null = null;
    let worst = 0;
    for (const d of serving) {
      const excess = d.expected - n * d.share;
      const points = (excess / n) * 100;
      if (points > REBALANCE_TOLERANCE_POINTS && excess >= 1 && d.idle.length > 0 && points > worst) {
        pick = d;
        worst = points;
      }
    }
    if (pick === null) break;
    const c = pick.idle.shift()!;
    out.push({ conn: c.conn, destination: pick.key, reason: 'rebalance' });
    budget--;
    pick.expected -= 1;
    const to = c.returnsTo === undefined ? undefined : byKey.get(c.returnsTo);
    if (to !== undefined) to.expected += 1;
    else for (const d of serving) d.expected += d.share;
  }
  return out;
}

/** At most `rate` closes in any window of 1 s (a rate below 1: one close per 1/rate s), per listener. */
export class CloseLimiter {
  private readonly times: number[] = [];

  /** Closes allowed at `now` under `rate` per second. */
  available(now: number, rate: number): number {
    if (!(rate > 0)) return 0;
    const windowMs = rate >= 1 ? 1000 : 1000 / rate;
    const cap = rate >= 1 ? Math.floor(rate) : 1;
    while (this.times.length > 0 && this.times[0]! <= now - windowMs) this.times.shift();
    return Math.max(0, cap - this.times.length);
  }

  /** Records a close at `now`. */
  record(now: number): void {
    this.times.push(now);
  }
}
