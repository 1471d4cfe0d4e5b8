/**
 * RolloutPolicy spec reader (tcpshift.io/v1alpha1): targets, steps, analysis, connections, stickiness.
 * Field checks only; targets are resolved against the commit in src/rollout/compile-policy.ts. Pure.
 */
import { Codes } from '../errors';
import { compact, INT32_MAX, typeError } from './fields';
import { asObj, type Obj } from './obj';
import type { Field } from './reader';
import type {
  RolloutAnalysisSpec, RolloutConnectionsSpec, RolloutPolicySpec, RolloutPrometheusSpec, RolloutWebhookSpec,
} from './types';

const PERCENT_STEP = { min: 1, max: 99 };
const POSITIVE = { min: 1, max: INT32_MAX };
const NON_NEGATIVE = { min: 0, max: INT32_MAX };
const HOUR_MS = 3_600_000;
/** Bounds of the policy's durations (FIELD_RANGE outside them): every value fits a Node timer (at most 2³¹−1 ms). */
export const ROLLOUT_DURATIONS = {
  stepDuration: { minMs: 1, maxMs: 24 * 24 * HOUR_MS },
  interval: { minMs: 1, maxMs: 24 * HOUR_MS },
  timeout: { minMs: 1, maxMs: HOUR_MS },
  closeWhenIdleFor: { minMs: 0, maxMs: 24 * HOUR_MS },
  drainAfter: { minMs: 0, maxMs: 24 * 24 * HOUR_MS },
} as const;

/** The policy spec; fields that cannot be read are reported and left out. */
export function readRolloutPolicy(spec: Obj): RolloutPolicySpec {
  const targetRefs = spec.get('targetRefs') ? readTargets(spec) : undefined;
  const steps = spec.get('steps') ? readSteps(spec) : undefined;
  const stepDurationMs = spec.duration('stepDuration', ROLLOUT_DURATIONS.stepDuration);
  const a = spec.obj('analysis');
  const analysis = a && readAnalysis(a);
  const c = spec.obj('connections');
  const connections = c && readConnections(c);
  const stickiness = spec.enum('stickiness', ['sourceIP'] as const);
  spec.done();
  return compact({ targetRefs, steps, stepDurationMs, analysis, connections, stickiness });
}

function readTargets(spec: Obj): { index: number; name: string }[] {
  const out: { index: number; name: string }[] = [];
  spec.list('targetRefs').forEach((f, index) => {
    const o = asObj(spec.r, f);
    const name = o?.str('name', true);
    o?.ignore('kind', 'group');
    o?.done();
    if (name !== undefined) out.push({ index, name });
  });
  return out;
}

/** Integers 1–99, strictly increasing (ROLLOUT_STEPS_ORDER at the first one that is not). */
function readSteps(spec: Obj): number[] {
  const r = spec.r;
  const out: number[] = [];
  for (const f of spec.list('steps')) {
    const v = typeof f.value === 'number' && Number.isInteger(f.value) ? f.value : undefined;
    if (v === undefined || v < PERCENT_STEP.min || v > PERCENT_STEP.max) {
      // Reuse the typed reader's messages and codes for type, integer and range problems.
      readIntItem(spec, f);
      continue;
    }
    const prev = out[out.length - 1];
    if (prev !== undefined && v <= prev) {
      r.report(f.path, Codes.ROLLOUT_STEPS_ORDER, `${f.path} must be greater than the step before it (${prev}), got ${v}`);
      continue;
    }
    out.push(v);
  }
  return out;
}

function readIntItem(spec: Obj, f: Field): void {
  const r = spec.r;
  if (typeof f.value !== 'number') {
    typeError(r, f, 'an integer percent');
    return;
  }
  if (!Number.isInteger(f.value)) r.report(f.path, Codes.FIELD_NOT_INTEGER, `${f.path} must be an integer, got ${f.value}`);
  else r.report(f.path, Codes.FIELD_RANGE, `${f.path} must be between 1 and 99 (100 is always the last step), got ${f.value}`);
}

function readAnalysis(o: Obj): RolloutAnalysisSpec {
  const intervalMs = o.duration('interval', ROLLOUT_DURATIONS.interval);
  const threshold = o.int('threshold', POSITIVE);
  const minConnections = o.int('minConnections', NON_NEGATIVE);
  const maxConnectFailurePercent = percent(o, 'maxConnectFailurePercent');
  const maxFailedPercent = percent(o, 'maxFailedPercent');
  const names = new Set<string>();
  const webhooks: RolloutWebhookSpec[] = [];
  o.list('webhooks').forEach((f, index) => {
    const w = readWebhook(o, f, index, names);
    if (w) webhooks.push(w);
  });
  const prometheus: RolloutPrometheusSpec[] = [];
  o.list('prometheus').forEach((f, index) => {
    const p = readPrometheus(o, f, index, names);
    if (p) prometheus.push(p);
  });
  o.done();
  return compact({ intervalMs, threshold, minConnections, maxConnectFailurePercent, maxFailedPercent, webhooks, prometheus });
}

function readWebhook(parent: Obj, f: Field, index: number, names: Set<string>): RolloutWebhookSpec | undefined {
  const o = asObj(parent.r, f);
  if (!o) return undefined;
  const name = checkName(o, names);
  const url = httpUrl(o, 'url');
  const timeoutMs = o.duration('timeout', ROLLOUT_DURATIONS.timeout);
  o.done();
  return name !== undefined && url !== undefined ? compact({ index, name, url, timeoutMs }) : undefined;
}

function readPrometheus(parent: Obj, f: Field, index: number, names: Set<string>): RolloutPrometheusSpec | undefined {
  const o = asObj(parent.r, f);
  if (!o) return undefined;
  const name = checkName(o, names);
  const address = httpUrl(o, 'address');
  const query = o.str('query', true);
  const min = num(o, 'min');
  const max = num(o, 'max');
  if (min !== undefined && max !== undefined && min > max) {
    o.r.report(o.at('max'), Codes.FIELD_RANGE, `${o.at('max')} must not be below min (${min}), got ${max}`);
  }
  o.done();
  if (name === undefined || address === undefined || query === undefined) return undefined;
  return compact({ index, name, address, query, min, max });
}

/** `name`, required and unique among the policy's checks (ROLLOUT_DUPLICATE_CHECK). */
function checkName(o: Obj, names: Set<string>): string | undefined {
  const name = o.str('name', true);
  if (name === undefined) return undefined;
  if (names.has(name)) {
    o.r.report(o.at('name'), Codes.ROLLOUT_DUPLICATE_CHECK, `${o.at('name')}: another check of this policy is named ${JSON.stringify(name)}`);
    return undefined;
  }
  names.add(name);
  return name;
}

/** A required http:// or https:// URL (ROLLOUT_URL otherwise). */
function httpUrl(o: Obj, key: string): string | undefined {
  const s = o.str(key, true);
  if (s === undefined) return undefined;
  let ok = false;
  try {
    const u = new URL(s);
    ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    ok = false;
  }
  if (!ok) {
    o.r.report(o.at(key), Codes.ROLLOUT_URL, `${o.at(key)} must be an http:// or https:// URL, got ${JSON.stringify(s)}`);
    return undefined;
  }
  return s;
}

function readConnections(o: Obj): RolloutConnectionsSpec {
  const rebalance = bool(o, 'rebalance');
  const maxClosesPerSecond = o.int('maxClosesPerSecond', POSITIVE);
  const closeWhenIdleForMs = o.duration('closeWhenIdleFor', ROLLOUT_DURATIONS.closeWhenIdleFor);
  const drainAfterMs = o.duration('drainAfter', ROLLOUT_DURATIONS.drainAfter);
  o.done();
  return compact({ rebalance, maxClosesPerSecond, closeWhenIdleForMs, drainAfterMs });
}

function bool(o: Obj, key: string): boolean | undefined {
  const f = o.get(key);
  if (!f) return undefined;
  return typeof f.value === 'boolean' ? f.value : typeError(o.r, f, 'true or false');
}

function num(o: Obj, key: string): number | undefined {
  const f = o.get(key);
  if (!f) return undefined;
  return typeof f.value === 'number' && Number.isFinite(f.value) ? f.value : typeError(o.r, f, 'a number');
}

/** A number 0–100 (fractions allowed). */
function percent(o: Obj, key: string): number | undefined {
  const v = num(o, key);
  if (v === undefined) return undefined;
  if (v < 0 || v > 100) {
    o.r.report(o.at(key), Codes.FIELD_RANGE, `${o.at(key)} must be between 0 and 100, got ${v}`);
    return undefined;
  }
  return v;
}
