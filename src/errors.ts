/**
 * The one catalogue of diagnostic codes and error classes. Tests assert codes, never message text.
 * Every code is stable: scripts and dashboards may match on it.
 */

import { GatewayApiCodes } from './errors-gateway-api';
import { escapeControl } from './safe-text';

/** Codes a manifest or a commit can be rejected (error) or flagged (warning) with. */
export const Codes = {
  // reading the tree
  FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  COMMIT_TOO_LARGE: 'COMMIT_TOO_LARGE',
  /** Within the size cap but over the documents, parse-memory or parse-time cap (or the build worker died on it). */
  COMMIT_TOO_COMPLEX: 'COMMIT_TOO_COMPLEX',
  FILE_BINARY: 'FILE_BINARY',
  FILE_SYMLINK: 'FILE_SYMLINK',
  PATH_NOT_FOUND: 'PATH_NOT_FOUND',
  SUBMODULE_SKIPPED: 'SUBMODULE_SKIPPED',
  // signed commits (--verify-signatures)
  /** The commit carries no signature. */
  COMMIT_UNSIGNED: 'COMMIT_UNSIGNED',
  /** The signature is bad, or by a key that is not trusted, expired, revoked or cannot be checked. */
  COMMIT_UNVERIFIED: 'COMMIT_UNVERIFIED',
  // YAML
  YAML_SYNTAX: 'YAML_SYNTAX',
  YAML_DUPLICATE_KEY: 'YAML_DUPLICATE_KEY',
  YAML_ALIAS_LIMIT: 'YAML_ALIAS_LIMIT',
  YAML_TOO_DEEP: 'YAML_TOO_DEEP',
  // documents
  DOC_NOT_MAPPING: 'DOC_NOT_MAPPING',
  DOC_EMPTY: 'DOC_EMPTY',
  DOC_NO_KIND: 'DOC_NO_KIND',
  DOC_NO_API_VERSION: 'DOC_NO_API_VERSION',
  UNKNOWN_API_VERSION: 'UNKNOWN_API_VERSION',
  KIND_SKIPPED: 'KIND_SKIPPED',
  /** A kind the networking.istio.io group does not have (a typo such as VirtualServce). */
  UNKNOWN_KIND: 'UNKNOWN_KIND',
  // fields
  FIELD_REQUIRED: 'FIELD_REQUIRED',
  FIELD_TYPE: 'FIELD_TYPE',
  FIELD_NOT_INTEGER: 'FIELD_NOT_INTEGER',
  FIELD_RANGE: 'FIELD_RANGE',
  FIELD_ENUM: 'FIELD_ENUM',
  FIELD_DURATION: 'FIELD_DURATION',
  FIELD_ADDRESS: 'FIELD_ADDRESS',
  FIELD_NAME: 'FIELD_NAME',
  PORT_RANGE: 'PORT_RANGE',
  ROUTE_SKIPPED: 'ROUTE_SKIPPED',
  SERVER_SKIPPED: 'SERVER_SKIPPED',
  FIELD_UNKNOWN: 'FIELD_UNKNOWN',
  FIELD_UNSUPPORTED: 'FIELD_UNSUPPORTED',
  /** A port or server protocol Istio does not know (a typo such as TPC). */
  UNKNOWN_PROTOCOL: 'UNKNOWN_PROTOCOL',
  /** Two fields of which only one may be written (ServiceEntry `endpoints` and `workloadSelector`). */
  FIELD_EXCLUSIVE: 'FIELD_EXCLUSIVE',
  // Istio's own validation (pkg/config/validation), matched case by case
  /** A host that is not a valid (wildcard) DNS name where Istio requires one (`*` as a destination, `foo.*`, `default/baz`). */
  FIELD_HOST: 'FIELD_HOST',
  /** Two ServiceEntry ports with one number or name, or two Gateway servers with one port name. */
  DUPLICATE_PORT: 'DUPLICATE_PORT',
  /** ServiceEntry endpoints the resolution forbids: any with `NONE`, more than one with `DNS_ROUND_ROBIN`. */
  RESOLUTION_ENDPOINTS: 'RESOLUTION_ENDPOINTS',
  /** A ServiceEntry with several hosts on a plain TCP port (resolution other than NONE): nothing tells the hosts apart. */
  MULTI_HOST_TCP: 'MULTI_HOST_TCP',
  /** A VirtualService naming a Gateway in the legacy `name.namespace[.svc.cluster.local]` form (warning; it resolves to `namespace/name`). */
  GATEWAY_NAME_LEGACY: 'GATEWAY_NAME_LEGACY',
  // semantics (the model)
  DUPLICATE_RESOURCE: 'DUPLICATE_RESOURCE',
  GATEWAY_NO_SERVERS: 'GATEWAY_NO_SERVERS',
  GATEWAY_SELECTOR_MISMATCH: 'GATEWAY_SELECTOR_MISMATCH',
  UNKNOWN_GATEWAY: 'UNKNOWN_GATEWAY',
  WEIGHT_NEGATIVE: 'WEIGHT_NEGATIVE',
  WEIGHT_ZERO_TOTAL: 'WEIGHT_ZERO_TOTAL',
  UNKNOWN_HOST: 'UNKNOWN_HOST',
  AMBIGUOUS_HOST: 'AMBIGUOUS_HOST',
  UNKNOWN_SUBSET: 'UNKNOWN_SUBSET',
  DUPLICATE_SUBSET: 'DUPLICATE_SUBSET',
  DUPLICATE_DESTINATION_RULE: 'DUPLICATE_DESTINATION_RULE',
  EMPTY_SUBSET: 'EMPTY_SUBSET',
  DUPLICATE_DESTINATION: 'DUPLICATE_DESTINATION',
  EMPTY_ROUTE: 'EMPTY_ROUTE',
  UNKNOWN_PORT: 'UNKNOWN_PORT',
  /** A Service with neither a selector nor an EndpointSlice, that no route uses (warning). */
  SERVICE_NO_ENDPOINTS: 'SERVICE_NO_ENDPOINTS',
  /** An EndpointSlice whose `kubernetes.io/service-name` names no Service of its namespace (warning). */
  UNKNOWN_SERVICE: 'UNKNOWN_SERVICE',
  PORT_REQUIRED: 'PORT_REQUIRED',
  LISTENER_CONFLICT: 'LISTENER_CONFLICT',
  LISTENER_NO_ROUTE: 'LISTENER_NO_ROUTE',
  RULE_UNREACHABLE: 'RULE_UNREACHABLE',
  // TLS passthrough by SNI (Istio Gateway tls.mode, VirtualService tls[])
  /** A TLS Gateway server whose `tls.mode` tcpshift cannot serve (it never terminates TLS; AUTO_PASSTHROUGH needs Istio's SNI-DNAT clusters). */
  TLS_MODE_UNSUPPORTED: 'TLS_MODE_UNSUPPORTED',
  /** A `tls[].match[].sniHosts` name that is not within any of the VirtualService's `hosts` (Istio rejects it too). */
  SNI_NOT_IN_HOSTS: 'SNI_NOT_IN_HOSTS',
  /** One SNI name on one socket claimed by two VirtualServices. */
  SNI_CONFLICT: 'SNI_CONFLICT',
  /** A tls match of one VirtualService repeating an SNI name an earlier match of it took on that socket (warning: skipped, as Istio does). */
  SNI_DUPLICATE: 'SNI_DUPLICATE',
  // RolloutPolicy (tcpshift.io/v1alpha1)
  /** `spec.steps` not strictly increasing. */
  ROLLOUT_STEPS_ORDER: 'ROLLOUT_STEPS_ORDER',
  /** A webhook or Prometheus address that is not an http(s) URL. */
  ROLLOUT_URL: 'ROLLOUT_URL',
  /** Two checks of one policy with the same name. */
  ROLLOUT_DUPLICATE_CHECK: 'ROLLOUT_DUPLICATE_CHECK',
  /** A targetRef naming no VirtualService of the commit. */
  ROLLOUT_UNKNOWN_TARGET: 'ROLLOUT_UNKNOWN_TARGET',
  /** A VirtualService governed by two RolloutPolicies. */
  ROLLOUT_DUPLICATE_TARGET: 'ROLLOUT_DUPLICATE_TARGET',
  // Gateway API (gateway.networking.k8s.io)
  ...GatewayApiCodes,
} as const;

export type Code = (typeof Codes)[keyof typeof Codes];

/** One finding about the desired state, always pointing at a file position. */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly code: Code;
  /** Human sentence naming the field, e.g. `tcp[0].route[1].weight must not be negative`. */
  readonly message: string;
  /** Path of the file relative to the repository (or folder) root. */
  readonly file: string;
  /** 1-based; 0 when the finding is about the file as a whole. */
  readonly line: number;
  readonly col: number;
  /** Dotted field path inside the document, when the finding is about one field. */
  readonly field?: string;
  /** Another file involved (e.g. the first definition of a duplicate). */
  readonly related?: { readonly file: string; readonly line: number; readonly col: number };
}

/** Renders a diagnostic as `file:line:col: code: message` (the `validate` and log format), on one line whatever the text holds. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  const rel = d.related ? ` (see ${d.related.file}:${d.related.line}:${d.related.col})` : '';
  return escapeControl(`${where}: ${d.code}: ${d.message}${rel}`);
}

/**
 * What to do about PATH_NOT_FOUND, in git terms: git drops a folder with its last file, so removing every
 * route means keeping the folder alive with a `.gitkeep` (or the `--path` is wrong).
 */
export function pathNotFoundHint(path: string): string {
  const keep = `${path === '' ? '.' : path}/.gitkeep`;
  return `git removes a folder with its last file: to remove every route, keep the folder (touch ${keep} && git add ${keep}) and commit again; or fix --path`;
}

/** What a failed bind of `host:port` means and what to do: in use, a privileged port, an address not on this machine. */
export function bindHint(code: string, host: string, port: number): string {
  const at = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  if (code === 'EADDRINUSE') return `${at} is in use (another tcpshift?)`;
  if (code === 'EACCES' && port < 1024) {
    return `${at}: ports below 1024 need CAP_NET_BIND_SERVICE (systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE; or sudo setcap cap_net_bind_service=+ep "$(command -v node)")`;
  }
  if (code === 'EADDRNOTAVAIL') return `${at}: ${host} is not an address of this machine`;
  return `${at}: ${code}`;
}

/** Status reasons, after Flux's condition reasons; each says what the loop does next. */
export const Reasons = {
  /** The applied revision is serving. */
  Applied: 'ReconciliationSucceeded',
  /** Validation failed: waits for a new commit. */
  ValidationFailed: 'ValidationFailed',
  /** A listener could not be bound: waits for a new commit (or a manual reconcile). */
  ApplyFailed: 'ApplyFailed',
  /** Git could not be reached or read: retried with backoff. */
  FetchFailed: 'FetchFailed',
  /** Nothing applied yet. */
  Progressing: 'Progressing',
  /** Suspended (POST /suspend): still fetching, applies nothing until resumed. */
  Suspended: 'Suspended',
  /** A progressive rollout is walking the weights toward the commit's (Ready stays true). */
  RolloutProgressing: 'RolloutProgressing',
  /** A rollout's checks failed: the previous applied revision serves again; waits for a new commit. */
  RolloutAborted: 'RolloutAborted',
} as const;
export type Reason = (typeof Reasons)[keyof typeof Reasons];

/** What the reconciler does after an error. */
export type NextAction = 'retry' | 'wait-for-commit' | 'none';

/** Base class for errors that carry a stable reason and the loop's next action. */
export class TcpshiftError extends Error {
  constructor(
    message: string,
    readonly reason: Reason,
    readonly next: NextAction,
    readonly diagnostics: readonly Diagnostic[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The commit is invalid; every diagnostic is attached. Not retried until the branch moves. */
export class ValidationError extends TcpshiftError {
  constructor(diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    const head = first ? formatDiagnostic(first) : 'invalid manifests';
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    super(`${head}${more}`, Reasons.ValidationFailed, 'wait-for-commit', diagnostics);
  }
}

/** Applying the table failed (a listener could not bind); the old table keeps serving. */
export class ApplyError extends TcpshiftError {
  constructor(message: string, readonly address?: string, readonly port?: number) {
    super(message, Reasons.ApplyFailed, 'wait-for-commit');
  }
}

/** Git could not be fetched or read; retried with backoff. */
export class FetchError extends TcpshiftError {
  constructor(message: string) {
    super(message, Reasons.FetchFailed, 'retry');
  }
}
