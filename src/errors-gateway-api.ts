/** The Gateway API's diagnostic codes, spread into the one catalogue in errors.ts (kept apart so it merges cleanly). */
export const GatewayApiCodes = {
  /** A Gateway whose `gatewayClassName` is not `--gateway-class` (warning: another controller's Gateway). */
  GATEWAY_CLASS_SKIPPED: 'GATEWAY_CLASS_SKIPPED',
  /** A TLS listener that terminates TLS (`tls.mode: Terminate`, the Gateway API's default): tcpshift only passes TLS through. */
  TLS_TERMINATE_UNSUPPORTED: 'TLS_TERMINATE_UNSUPPORTED',
  /** Two listeners of one Gateway with one name. */
  DUPLICATE_LISTENER_NAME: 'DUPLICATE_LISTENER_NAME',
  /** A hostname that is not a DNS name (or `*.` wildcard) as the Gateway API defines it. */
  FIELD_HOSTNAME: 'FIELD_HOSTNAME',
  /** A parentRef whose `sectionName`/`port` names no listener of its Gateway (status Accepted False NoMatchingParent). */
  NO_MATCHING_PARENT: 'NO_MATCHING_PARENT',
  /** A parentRef no listener accepts (kind, namespace or protocol; warning: Accepted False NotAllowedByListeners). */
  NOT_ALLOWED_BY_LISTENERS: 'NOT_ALLOWED_BY_LISTENERS',
  /** A TLSRoute whose hostnames meet no listener hostname (warning: Accepted False NoMatchingListenerHostname). */
  NO_MATCHING_LISTENER_HOSTNAME: 'NO_MATCHING_LISTENER_HOSTNAME',
  /** A backendRef naming no Service of the commit (ResolvedRefs False BackendNotFound). */
  BACKEND_NOT_FOUND: 'BACKEND_NOT_FOUND',
  /** A backendRef into another namespace that no ReferenceGrant there permits (ResolvedRefs False RefNotPermitted). */
  REF_NOT_PERMITTED: 'REF_NOT_PERMITTED',
  /** A backendRef of a kind other than a core Service (ResolvedRefs False InvalidKind). */
  INVALID_BACKEND_KIND: 'INVALID_BACKEND_KIND',
  /** Two routes claim one TCP listener, one SNI hostname, or one TLS listener's fallback. */
  ROUTE_CONFLICT: 'ROUTE_CONFLICT',
} as const;
