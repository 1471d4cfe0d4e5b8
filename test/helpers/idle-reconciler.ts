/** A reconciler stand-in for metrics tests of the proxy alone: nothing applied, no rollout, no run. */
import type { Reconciler } from '../../src/reconcile/reconciler';
import { initialStatus } from '../../src/reconcile/status';

/** What `createMetrics` reads of a reconciler, idle. */
export const idleReconciler = {
  onRun: () => undefined,
  status: () => initialStatus('test'),
  rolloutCheckTotals: () => [],
} as unknown as Reconciler;
