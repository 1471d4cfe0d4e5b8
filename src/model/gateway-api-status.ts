/**
 * Gateway API route status as tcpshift judges it: `status.parents[]` with `Accepted` and `ResolvedRefs`
 * conditions, their reasons named as the Gateway API spec names them. Pure data, JSON-safe.
 */

/** The `controllerName` tcpshift writes in a route's parent status. */
export const CONTROLLER_NAME = 'tcpshift.io/gateway-controller';

/** Reasons of the `Accepted` condition of a route's parent. */
export type AcceptedReason = 'Accepted' | 'NotAllowedByListeners' | 'NoMatchingListenerHostname' | 'NoMatchingParent';
/** Reasons of the `ResolvedRefs` condition. */
export type ResolvedRefsReason = 'ResolvedRefs' | 'BackendNotFound' | 'RefNotPermitted' | 'InvalidKind';

/** One condition, as Kubernetes writes it (no lastTransitionTime: the revision is the clock). */
export interface RouteCondition {
  readonly type: 'Accepted' | 'ResolvedRefs';
  readonly status: 'True' | 'False';
  readonly reason: AcceptedReason | ResolvedRefsReason;
  readonly message: string;
}

/** `status.parents[]` entry: the parentRef as written, who judged it, and the conditions. */
export interface RouteParentStatus {
  readonly parentRef: { readonly group: string; readonly kind: string; readonly namespace: string; readonly name: string; readonly sectionName?: string; readonly port?: number };
  readonly controllerName: string;
  readonly conditions: readonly RouteCondition[];
}

/** The status of one TCPRoute or TLSRoute. */
export interface RouteStatus {
  readonly kind: 'TCPRoute' | 'TLSRoute';
  /** `namespace/name`. */
  readonly ref: string;
  readonly parents: readonly RouteParentStatus[];
}

/** A condition that holds (`True`, reason = the type) or not (`False` with `reason`). */
export function condition<T extends RouteCondition['type']>(
  type: T, reason: T extends 'Accepted' ? AcceptedReason : ResolvedRefsReason, message: string,
): RouteCondition {
  return { type, status: reason === type ? 'True' : 'False', reason, message };
}

/** `status.listeners[]` of a served Gateway: the route kinds it takes and how many routes attached. */
export interface ListenerStatus {
  readonly name: string;
  readonly supportedKinds: readonly { readonly group: string; readonly kind: string }[];
  readonly attachedRoutes: number;
  readonly conditions: readonly { readonly type: 'Accepted'; readonly status: 'True'; readonly reason: 'Accepted'; readonly message: string }[];
}

/** The status of one served Gateway (Gateways of another class get none from tcpshift). */
export interface GatewayStatus {
  /** `namespace/name`. */
  readonly ref: string;
  readonly conditions: readonly { readonly type: 'Accepted'; readonly status: 'True'; readonly reason: 'Accepted'; readonly message: string }[];
  readonly listeners: readonly ListenerStatus[];
}
