/** The applied manifests as `/config` serves them and `tcpshift get` reads them. Pure. */
import type { Applied } from '../reconcile/context';
import { withRouteStatus } from './config-status';
import type { CompileOptions } from '../model/types';

/** One applied resource, as written in Git plus where it came from. */
export interface AppliedResource {
  readonly kind: string;
  readonly apiVersion: string;
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly file: string;
  readonly manifest: unknown;
}

/** What `/config` returns. */
export interface AppliedConfig {
  readonly revision: string | null;
  readonly appliedAt: string | null;
  readonly resources: readonly AppliedResource[];
}

/** Returns the applied revision's resources (none before the first apply); Gateway API routes carry the status tcpshift judged (`compile`: the options it was built with). */
export function appliedConfig(applied: Applied | null, compile?: CompileOptions): AppliedConfig {
  if (!applied) return { revision: null, appliedAt: null, resources: [] };
  const status = withRouteStatus(applied, compile);
  return {
    revision: applied.revision,
    appliedAt: applied.at,
    resources: applied.resources.map((r) => ({
      kind: r.kind, apiVersion: r.apiVersion, metadata: { name: r.metadata.name, namespace: r.metadata.namespace }, file: r.file, manifest: status(r),
    })),
  };
}
