/** Attaching ConnectionPolicies (from RolloutPolicies) to a compiled table. Pure. */
import { deepFreeze } from './freeze';
import { DEFAULT_CONNECTION_POLICY, type ConnectionPolicy, type Listener, type RoutingTable } from './types';

/**
 * A new frozen table in which each listener's route carries `policyOf(listener)` (filled in from
 * DEFAULT_CONNECTION_POLICY); undefined leaves the route without one (open connections untouched).
 * `table` itself is not changed.
 */
export function withConnectionPolicies(
  table: RoutingTable,
  policyOf: (l: Listener) => Partial<ConnectionPolicy> | undefined,
): RoutingTable {
  const listeners = table.listeners.map((l) => {
    const p = policyOf(l);
    const { connections: _old, ...route } = l.route;
    return p === undefined ? { ...l, route } : { ...l, route: { ...route, connections: { ...DEFAULT_CONNECTION_POLICY, ...p } } };
  });
  return deepFreeze({ listeners });
}
