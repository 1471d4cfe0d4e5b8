/**
 * Outlier detection for TCP: consecutive connect failures eject an endpoint for
 * `baseEjectionTime × times ejected` (capped at 5 minutes, Envoy's max_ejection_time), never
 * more than `maxEjectionPercent` of a subset (at least one endpoint may always be ejected).
 */
import type { Policy } from '../model/types';
import type { EndpointState } from './counters';

const MAX_EJECTION_MS = 300_000;

/** True while `s` is ejected. */
export function isEjected(s: EndpointState, now: number): boolean {
  return s.ejectedUntil > now;
}

/** Records a successful connect: the failure streak ends. */
export function recordConnectSuccess(s: EndpointState): void {
  s.consecutiveFailures = 0;
  if (s.ejectedUntil !== 0 && s.ejectedUntil <= Date.now()) {
    s.ejectedUntil = 0;
    s.ejectionMultiplier = 0;
  }
}

/** Records a failed connect; returns true when it ejected the endpoint. */
export function recordConnectFailure(
  s: EndpointState,
  peers: readonly EndpointState[],
  od: Policy['outlierDetection'],
  now: number,
): boolean {
  s.connectFailures++;
  s.consecutiveFailures++;
  if (od === null || od.consecutiveErrors <= 0 || s.consecutiveFailures < od.consecutiveErrors || isEjected(s, now)) return false;
  let ejected = 0;
  for (const p of peers) if (isEjected(p, now)) ejected++;
  if (ejected > 0 && ((ejected + 1) * 100) / peers.length > od.maxEjectionPercent) return false;
  s.ejections++;
  s.ejectionMultiplier++;
  s.ejectedUntil = now + Math.min(od.baseEjectionTimeMs * s.ejectionMultiplier, Math.max(od.baseEjectionTimeMs, MAX_EJECTION_MS));
  s.consecutiveFailures = 0;
  return true;
}
