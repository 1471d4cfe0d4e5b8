/**
 * The proxy's own checks of a rollout, from two counter readings: connect failures / attempts per
 * gaining destination, and failed / ended connections. Pure; the readings are taken by the reconciler.
 */
import type { Analysis } from './policy';
import type { CheckResult } from './machine';

/** One destination's totals as the proxy counts them (see src/proxy/counters.ts). */
export interface DestinationTotals {
  /** The route's destination key, `host|subset|port`. */
  readonly key: string;
  /** `destination_version` as the metrics name it (for messages). */
  readonly version: string;
  readonly opened: number;
  readonly closed: number;
  readonly connectFailures: number;
  readonly failed: number;
}

export const CONNECT_FAILURES_CHECK = 'connect-failures';
export const FAILED_CHECK = 'failed';

/** Rounded for messages: `38%`, `0.5%`. */
function pct(n: number): string {
  return `${Math.round(n * 100) / 100}%`;
}

function delta(now: DestinationTotals, before: DestinationTotals | undefined): DestinationTotals {
  if (!before) return now;
  return {
    key: now.key, version: now.version, opened: now.opened - before.opened, closed: now.closed - before.closed,
    connectFailures: now.connectFailures - before.connectFailures, failed: now.failed - before.failed,
  };
}

/** The worst ratio among destinations that had any of `denominator`, as [ratio %, destination]. */
function worst(ds: readonly DestinationTotals[], num: (d: DestinationTotals) => number, den: (d: DestinationTotals) => number): [number, DestinationTotals] | null {
  let out: [number, DestinationTotals] | null = null;
  for (const d of ds) {
    const n = den(d);
    if (n <= 0) continue;
    const r = (num(d) / n) * 100;
    if (!out || r > out[0]) out = [r, d];
  }
  return out;
}

/**
 * The built-in checks over one interval for the gaining destinations (`now` and `before` readings,
 * keyed by destination key); a check whose limit is not set is not run, one without traffic passes.
 */
export function counterChecks(analysis: Analysis, now: readonly DestinationTotals[], before: ReadonlyMap<string, DestinationTotals>, at: string): CheckResult[] {
  const ds = now.map((d) => delta(d, before.get(d.key)));
  const out: CheckResult[] = [];
  const maxConnect = analysis.maxConnectFailurePercent;
  if (maxConnect !== null) {
    const w = worst(ds, (d) => d.connectFailures, (d) => d.opened + d.connectFailures);
    if (!w) out.push({ name: CONNECT_FAILURES_CHECK, ok: true, value: 'no attempts', at });
    else {
      const ok = w[0] <= maxConnect;
      out.push({
        name: CONNECT_FAILURES_CHECK, ok, value: pct(w[0]), at,
        ...(ok ? {} : { message: `${w[1].version} connect failures ${pct(w[0])} > ${pct(maxConnect)}` }),
      });
    }
  }
  const maxFailed = analysis.maxFailedPercent;
  if (maxFailed !== null) {
    const w = worst(ds, (d) => d.failed, (d) => d.closed + d.failed);
    if (!w) out.push({ name: FAILED_CHECK, ok: true, value: 'no connections ended', at });
    else {
      const ok = w[0] <= maxFailed;
      out.push({
        name: FAILED_CHECK, ok, value: pct(w[0]), at,
        ...(ok ? {} : { message: `${w[1].version} failed connections ${pct(w[0])} > ${pct(maxFailed)}` }),
      });
    }
  }
  return out;
}

/** Connections the gaining destinations opened (or tried) since `base`. */
export function connectionsSince(now: readonly DestinationTotals[], base: ReadonlyMap<string, DestinationTotals>): number {
  return now.reduce((sum, d) => {
    const b = base.get(d.key);
    return sum + (d.opened + d.connectFailures) - (b ? b.opened + b.connectFailures : 0);
  }, 0);
}

/** A Prometheus instant-query value checked against [min, max]. */
export function rangeCheck(name: string, value: number, min: number | null, max: number | null, at: string): CheckResult {
  const v = String(Math.round(value * 1000) / 1000);
  if (Number.isNaN(value)) return { name, ok: false, value: 'NaN', at, message: `${name} returned no number` };
  if (max !== null && value > max) return { name, ok: false, value: v, at, message: `${name} ${v} > ${max}` };
  if (min !== null && value < min) return { name, ok: false, value: v, at, message: `${name} ${v} < ${min}` };
  return { name, ok: true, value: v, at };
}
