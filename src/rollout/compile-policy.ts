/** RolloutPolicy resources → compiled policies: defaults, targets resolved, one policy per VirtualService. Pure. */
import { Codes, type Diagnostic } from '../errors';
import { diagAt, relatedAt } from '../manifest/locate';
import type { Resource, RolloutPolicy, VirtualService } from '../manifest/types';
import {
  DEFAULT_CONNECTIONS, DEFAULT_INTERVAL_MS, DEFAULT_STEP_DURATION_MS, DEFAULT_THRESHOLD, DEFAULT_WEBHOOK_TIMEOUT_MS,
  type CompiledRolloutPolicy,
} from './policy';

/** Compiles every RolloutPolicy of `resources`; ROLLOUT_UNKNOWN_TARGET and ROLLOUT_DUPLICATE_TARGET go to `out`. */
export function compilePolicies(resources: readonly Resource[], out: Diagnostic[]): CompiledRolloutPolicy[] {
  const vss = new Set(resources.filter((r): r is VirtualService => r.kind === 'VirtualService').map(refOf));
  const policies = resources.filter((r): r is RolloutPolicy => r.kind === 'RolloutPolicy').sort((a, b) => refOf(a).localeCompare(refOf(b)));
  const owner = new Map<string, { policy: RolloutPolicy; field: string }>();
  const compiled: CompiledRolloutPolicy[] = [];
  for (const p of policies) {
    const targets = resolveTargets(p, vss, out);
    for (const { ref, field } of targets) {
      const prev = owner.get(ref);
      if (prev) {
        out.push(diagAt(p, field, Codes.ROLLOUT_DUPLICATE_TARGET,
          `${field}: VirtualService ${ref} is already governed by RolloutPolicy ${refOf(prev.policy)}`, 'error', relatedAt(prev.policy, prev.field)));
      } else owner.set(ref, { policy: p, field });
    }
    compiled.push(compileOne(p, targets.map((t) => t.ref)));
  }
  return compiled;
}

function resolveTargets(p: RolloutPolicy, vss: ReadonlySet<string>, out: Diagnostic[]): { ref: string; field: string }[] {
  const ns = p.metadata.namespace;
  if (p.spec.targetRefs === undefined) {
    return [...vss].filter((v) => v.startsWith(`${ns}/`)).sort().map((ref) => ({ ref, field: 'metadata.name' }));
  }
  const found: { ref: string; field: string }[] = [];
  for (const t of p.spec.targetRefs) {
    const ref = `${ns}/${t.name}`;
    const field = `spec.targetRefs[${t.index}].name`;
    if (!vss.has(ref)) out.push(diagAt(p, field, Codes.ROLLOUT_UNKNOWN_TARGET, `${field}: no VirtualService ${ref} in this commit`));
    else if (!found.some((f) => f.ref === ref)) found.push({ ref, field });
  }
  return found;
}

function compileOne(p: RolloutPolicy, targets: readonly string[]): CompiledRolloutPolicy {
  const s = p.spec;
  const a = s.analysis;
  const stepDurationMs = s.stepDurationMs ?? DEFAULT_STEP_DURATION_MS;
  const c = s.connections;
  return {
    name: refOf(p),
    targets: [...targets].sort(),
    steps: [...(s.steps ?? []), 100],
    stepDurationMs,
    analysis: {
      intervalMs: a?.intervalMs ?? Math.min(DEFAULT_INTERVAL_MS, stepDurationMs),
      threshold: a?.threshold ?? DEFAULT_THRESHOLD,
      minConnections: a?.minConnections ?? 0,
      maxConnectFailurePercent: a?.maxConnectFailurePercent ?? null,
      maxFailedPercent: a?.maxFailedPercent ?? null,
      webhooks: (a?.webhooks ?? []).map((w) => ({ name: w.name, url: w.url, timeoutMs: w.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS })),
      prometheus: (a?.prometheus ?? []).map((q) => ({ name: q.name, address: q.address, query: q.query, min: q.min ?? null, max: q.max ?? null })),
    },
    connections: c ? {
      rebalance: c.rebalance ?? DEFAULT_CONNECTIONS.rebalance,
      maxClosesPerSecond: c.maxClosesPerSecond ?? DEFAULT_CONNECTIONS.maxClosesPerSecond,
      closeWhenIdleForMs: c.closeWhenIdleForMs ?? DEFAULT_CONNECTIONS.closeWhenIdleForMs,
      drainAfterMs: c.drainAfterMs ?? DEFAULT_CONNECTIONS.drainAfterMs,
    } : null,
    stickiness: s.stickiness ?? null,
  };
}

function refOf(r: Resource): string {
  return `${r.metadata.namespace}/${r.metadata.name}`;
}
