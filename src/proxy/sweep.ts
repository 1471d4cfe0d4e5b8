/**
 * The connection sweep: one timer for the whole proxy (no timer per connection) that every
 * SWEEP_INTERVAL_MS closes connections past their destination's maxConnectionDuration and, on
 * listeners whose route asks for `connections.rebalance`, samples each connection's activity (byte
 * counters on the JS path, the addon's stamps on the native one: a change since the last sweep =
 * active) and performs what src/proxy/rebalance.ts plans. Idle closes are checked once more after
 * the event loop has read what already arrived (setImmediate), and the connection itself refuses
 * (shut(true) is false) while bytes are owed or unread in the kernel, so a connection whose request
 * is on its way in is not taken for idle.
 */
import type { Logger } from 'pino';
import type { ConnectionPolicy, RoutingTable } from '../model/types';
import { CloseLimiter, planCloses, type CloseReason, type PlanConnection, type PlannedClose } from './rebalance';
import type { RoutedConnection } from './routed';
import type { ListenerRuntime, TableRuntime } from './runtime';

/** How often the sweep runs, unless a route's closeWhenIdleFor asks for finer idle times. */
export const SWEEP_INTERVAL_MS = 250;
/** The sweep never runs more often than this. */
export const MIN_SWEEP_INTERVAL_MS = 20;
/** A connection shut gently but still open this long after is destroyed. */
export const SHUT_GRACE_MS = 5000;

export interface SweepHost {
  readonly log: Logger;
  readonly conns: ReadonlySet<RoutedConnection>;
  /** The live table's runtime. */
  runtime(): TableRuntime;
}

interface Group {
  readonly lr: ListenerRuntime;
  readonly policy: ConnectionPolicy;
  readonly conns: PlanConnection<RoutedConnection>[];
}

/** The proxy's one sweep timer and the state it keeps across tables (rate windows, drain start times). */
export class Sweeper {
  private timer: NodeJS.Timeout | null = null;
  private every = 0;
  private readonly limiters = new Map<string, CloseLimiter>();
  /** Per listener: draining destination key → since when (ms). */
  private readonly draining = new Map<string, Map<string, number>>();

  constructor(private readonly host: SweepHost) {}

  /** (Re)starts the timer at the interval `table` needs. */
  start(table: RoutingTable): void {
    const every = sweepInterval(table);
    if (this.timer !== null && every === this.every) return;
    this.stop();
    this.every = every;
    this.timer = setInterval(() => this.sweep(performance.now()), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass over every open connection. */
  sweep(now: number): void {
    const { conns } = this.host;
    if (conns.size === 0) return;
    const rt = this.host.runtime();
    const groups = new Map<string, Group>();
    for (const c of conns) {
      if (c.shutAt >= 0) {
        if (now - c.shutAt > SHUT_GRACE_MS) c.destroy();
        continue;
      }
      if (!c.established) continue;
      const max = c.destination.destination.policy.maxConnectionDurationMs;
      if (max > 0 && now - c.since >= max) {
        this.close(c, 'expired', now);
        continue;
      }
      const g = this.group(groups, rt, c.listenerKey);
      if (g === null) continue;
      const a = c.activity();
      if (a !== null && a !== c.seenActivity) {
        c.seenActivity = a;
        c.activeAt = now;
      }
      const busy = a === null || c.pending();
      const back = g.lr.sticky !== null && c.hash !== undefined ? g.lr.destinations[g.lr.sticky.pick(c.hash)]?.destination.key : undefined;
      g.conns.push({ conn: c, destination: c.destination.destination.key, since: c.since, activeAt: busy ? null : c.activeAt, ...(back !== undefined ? { returnsTo: back } : {}) });
    }
    for (const [key, g] of groups) this.rebalance(key, g, now);
  }

  /** The rebalancing group of listener `key`, or null when its route does not rebalance. */
  private group(groups: Map<string, Group>, rt: TableRuntime, key: string): Group | null {
    const known = groups.get(key);
    if (known !== undefined) return known;
    const lr = rt.listeners.get(key);
    const policy = lr?.listener.route.connections;
    if (lr === undefined || policy === undefined || !policy.rebalance) return null;
    const g: Group = { lr, policy, conns: [] };
    groups.set(key, g);
    return g;
  }

  private rebalance(key: string, g: Group, now: number): void {
    const weights = new Map(g.lr.destinations.map((dr) => [dr.destination.key, dr.destination.weight]));
    const since = this.draining.get(key) ?? new Map<string, number>();
    const present = new Set(g.conns.map((c) => c.destination));
    for (const d of since.keys()) if ((weights.get(d) ?? 0) > 0 || !present.has(d)) since.delete(d);
    for (const d of present) if ((weights.get(d) ?? 0) <= 0 && !since.has(d)) since.set(d, now);
    this.draining.set(key, since);
    let limiter = this.limiters.get(key);
    if (limiter === undefined) {
      limiter = new CloseLimiter();
      this.limiters.set(key, limiter);
    }
    const plan = planCloses({ now, policy: g.policy, weights, conns: g.conns, drainingSince: since, budget: limiter.available(now, g.policy.maxClosesPerSecond) });
    const idle: PlannedClose<RoutedConnection>[] = [];
    for (const p of plan) {
      if (p.reason === 'drain_after') this.close(p.conn, p.reason, now);
      else idle.push(p);
    }
    if (idle.length === 0) return;
    const lim = limiter;
    const sampled = idle.map((p) => p.conn.activity());
    // After the poll phase: bytes that had arrived when the sweep ran have been read by now.
    setImmediate(() => {
      idle.forEach((p, i) => {
        const c = p.conn;
        if (c.shutAt >= 0 || !this.host.conns.has(c) || c.activity() !== sampled[i] || c.pending()) return;
        if (this.close(c, p.reason, now, true)) lim.record(now);
      });
    });
  }

  /** Closes `c` gently and counts it; with `onlyIfQuiet`, only if no byte is owed or waits unread (else false). */
  private close(c: RoutedConnection, reason: CloseReason, now: number, onlyIfQuiet = false): boolean {
    if (!c.shut(onlyIfQuiet)) return false;
    c.shutAt = now;
    const counter = c.destination.counter;
    if (reason === 'expired') counter.expired++;
    else counter.rebalanced[reason]++;
    const log = this.host.log;
    if (log.isLevelEnabled('debug')) {
      log.debug({ listener: c.listenerKey, destination: c.destination.destination.key, reason, ageMs: Math.round(now - c.since), idleMs: Math.round(now - c.activeAt), atMs: now }, 'connection closed by the proxy');
    }
    return true;
  }
}

/**
 * SWEEP_INTERVAL_MS, or half the smallest closeWhenIdleFor of a rebalancing route (at least
 * MIN_SWEEP_INTERVAL_MS): idle is seen at a sweep, so a sweep per half idle time keeps the error small.
 */
export function sweepInterval(table: RoutingTable): number {
  let every = SWEEP_INTERVAL_MS;
  for (const l of table.listeners) {
    const c = l.route.connections;
    if (c?.rebalance === true) every = Math.min(every, Math.max(MIN_SWEEP_INTERVAL_MS, Math.floor(c.closeWhenIdleForMs / 2)));
  }
  return every;
}
