/**
 * Issue 10's half of a RolloutPolicy, in the shape of the proxy's connection policy (rebalance, closes,
 * idle rule, drain, stickiness): what the lead wires into each governed route. Pure.
 */
import { DEFAULT_CONNECTIONS, type CompiledRolloutPolicy } from './policy';

/** How a governed route's open connections and clients are treated. */
export interface RouteConnections {
  readonly rebalance: boolean;
  readonly maxClosesPerSecond: number;
  readonly closeWhenIdleForMs: number;
  readonly drainAfterMs: number;
  readonly stickiness: 'none' | 'sourceIP';
}

/** The connection policy of VirtualService `vs` (`namespace/name`); undefined when no policy says anything about connections. */
export function connectionsFor(policies: readonly CompiledRolloutPolicy[] | undefined, vs: string): RouteConnections | undefined {
  const p = policies?.find((x) => x.targets.includes(vs));
  if (!p || (p.connections === null && p.stickiness === null)) return undefined;
  return { ...(p.connections ?? DEFAULT_CONNECTIONS), stickiness: p.stickiness ?? 'none' };
}
