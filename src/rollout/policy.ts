/** The compiled RolloutPolicy: defaults filled in, targets resolved to VirtualService refs. Pure JSON-safe data. */

/** A webhook gate: POST JSON {rollout, revision, step, shares}; non-2xx or timeout = a failed check. */
export interface WebhookCheck {
  readonly name: string;
  readonly url: string;
  readonly timeoutMs: number;
}

/** An instant query whose value must stay within [min, max]. */
export interface PrometheusCheck {
  readonly name: string;
  readonly address: string;
  readonly query: string;
  readonly min: number | null;
  readonly max: number | null;
}

export interface Analysis {
  readonly intervalMs: number;
  /** Failed checks during one rollout before it is aborted. */
  readonly threshold: number;
  /** A step does not pass before the gaining destinations saw this many connections. */
  readonly minConnections: number;
  /** null = not checked. */
  readonly maxConnectFailurePercent: number | null;
  readonly maxFailedPercent: number | null;
  readonly webhooks: readonly WebhookCheck[];
  readonly prometheus: readonly PrometheusCheck[];
}

/** Issue 10: how open connections follow a weight change (applied by the proxy). */
export interface ConnectionsPolicy {
  readonly rebalance: boolean;
  readonly maxClosesPerSecond: number;
  readonly closeWhenIdleForMs: number;
  readonly drainAfterMs: number;
}

/** One RolloutPolicy as the reconciler and the proxy use it. */
export interface CompiledRolloutPolicy {
  /** `namespace/name` of the policy. */
  readonly name: string;
  /** `namespace/name` of every governed VirtualService, sorted. */
  readonly targets: readonly string[];
  /** Percent of the shift at each step, 100 last; [100] = at once (no steps written). */
  readonly steps: readonly number[];
  readonly stepDurationMs: number;
  readonly analysis: Analysis;
  /** null = open connections are never touched. */
  readonly connections: ConnectionsPolicy | null;
  readonly stickiness: 'sourceIP' | null;
}

export const DEFAULT_STEP_DURATION_MS = 60_000;
export const DEFAULT_INTERVAL_MS = 10_000;
export const DEFAULT_THRESHOLD = 2;
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;
export const DEFAULT_CONNECTIONS: ConnectionsPolicy = Object.freeze({
  rebalance: false, maxClosesPerSecond: 10, closeWhenIdleForMs: 1_000, drainAfterMs: 300_000,
});

/** True when the policy walks weights in steps (rather than changing them at once). */
export function isStepped(p: CompiledRolloutPolicy): boolean {
  return p.steps.length > 1;
}
