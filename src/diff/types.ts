/**
 * What applying one routing table over another changes: a JSON-safe discriminated union, one
 * entry per change, each naming its listener by key (`address:port`). Produced by `diff()`.
 */
import type { Policy } from '../model/types';

/** A value before and after a change. */
export interface Delta<T> {
  readonly old: T;
  readonly new: T;
}

/** Names one destination of a route (`key` is `host|subset|port`). */
export interface DestinationRef {
  readonly key: string;
  readonly host: string;
  readonly subset: string | null;
  readonly port: number;
}

/** A destination's share in a new listener's route. */
export interface DestinationShare extends DestinationRef {
  readonly weight: number;
  readonly percent: number;
}

/** How one destination's share moved; `added`/`removed` when it entered or left the route. */
export interface WeightDelta extends DestinationRef {
  readonly change: 'added' | 'removed' | 'changed';
  /** 0 when the destination is new. */
  readonly oldPercent: number;
  /** 0 when the destination was removed. */
  readonly newPercent: number;
  readonly oldWeight: number;
  readonly newWeight: number;
}

/** The policy fields that can change. */
export type PolicyField = keyof Policy;

/** One changed policy field; values are as in `Policy` (durations in ms, null = off/unlimited). */
export interface PolicyFieldChange {
  readonly field: PolicyField;
  readonly old: Policy[PolicyField];
  readonly new: Policy[PolicyField];
}

export interface ListenerAdded {
  readonly type: 'listener-added';
  readonly listener: string;
  readonly gateway: string;
  readonly portName: string;
  readonly virtualService: string;
  readonly rule: number;
  /** In written order, zero-weight destinations included. */
  readonly destinations: readonly DestinationShare[];
  /** An entry of a TLS passthrough socket: `tls`, its rule's list, and its SNI names (absent on the fallback entry). */
  readonly tls?: true;
  readonly section?: 'tls';
  readonly sni?: readonly string[];
  /** The Gateway's `tcpshift.io/accept-proxy-protocol` annotation. */
  readonly acceptProxyProtocol?: true;
}

export interface ListenerRemoved {
  readonly type: 'listener-removed';
  readonly listener: string;
  readonly gateway: string;
}

/** The listener now takes another VirtualService rule (or belongs to another Gateway server). */
export interface RouteChanged {
  readonly type: 'route-changed';
  readonly listener: string;
  readonly virtualService: Delta<string>;
  readonly rule: Delta<number>;
  readonly gateway: Delta<string>;
  readonly portName: Delta<string>;
  /** How open connections are governed (`rebalance …, sticky …` or `none`), when that changed. */
  readonly connections?: Delta<string>;
  /** The VirtualService list the rule is in, when either side is a `tls` rule and it changed. */
  readonly section?: Delta<'tcp' | 'tls'>;
  /** The entry's SNI names (comma-joined, `''` for none), when they changed. */
  readonly sni?: Delta<string>;
  /** Whether the socket routes by SNI, when that changed. */
  readonly tls?: Delta<boolean>;
  /** Whether connections start with a PROXY protocol header, when that changed. */
  readonly acceptProxyProtocol?: Delta<boolean>;
}

/** Destinations whose weight or share changed, or that entered or left the route. */
export interface WeightsChanged {
  readonly type: 'weights-changed';
  readonly listener: string;
  /** Desired written order, then removed destinations in their applied order. */
  readonly destinations: readonly WeightDelta[];
}

/** Endpoints (by `address:port`) of a destination kept by the listener. */
export interface EndpointsChanged {
  readonly type: 'endpoints-changed';
  readonly listener: string;
  readonly destination: DestinationRef;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Same address:port, different weight or labels. */
  readonly changed: readonly string[];
}

/** Policy fields of a destination kept by the listener. */
export interface PolicyChanged {
  readonly type: 'policy-changed';
  readonly listener: string;
  readonly destination: DestinationRef;
  readonly fields: readonly PolicyFieldChange[];
}

export type Change = ListenerAdded | ListenerRemoved | RouteChanged | WeightsChanged | EndpointsChanged | PolicyChanged;

export type ChangeType = Change['type'];

/** Order of change types within one listener. */
export const CHANGE_ORDER: readonly ChangeType[] = [
  'listener-removed', 'listener-added', 'route-changed', 'weights-changed', 'endpoints-changed', 'policy-changed',
];

/** Counts for the one-line reconcile log. */
export interface ChangeSummary {
  readonly listenersAdded: number;
  readonly listenersRemoved: number;
  readonly routesChanged: number;
  readonly weightsChanged: number;
  readonly endpointsChanged: number;
  readonly policyChanged: number;
}
