/** Test helpers for progressive rollouts: a RolloutPolicy document, the walkthrough VS with given weights, a share reader. */
import type { RoutingTable } from '../../src/model/types';
import { allV1Files, type WalkthroughPorts } from './walkthrough';

/** A RolloutPolicy for tcp-echo; `spec` is indented by 2 spaces. */
export function rolloutPolicy(spec: string, name = 'tcp-echo'): string {
  return `apiVersion: tcpshift.io/v1alpha1\nkind: RolloutPolicy\nmetadata:\n  name: ${name}\nspec:\n  targetRefs:\n  - name: tcp-echo\n${spec}`;
}

/** The walkthrough files with the tcp-echo route sending `v1`/`v2` percent. */
export function weightedFiles(p: WalkthroughPorts, v1: number, v2: number, extra: Record<string, string> = {}): Record<string, string> {
  const files = allV1Files(p);
  const vs = files['tcp-echo-all-v1.yaml'] ?? '';
  const route = `    route:\n    - destination:\n        host: tcp-echo\n        port:\n          number: 9000\n        subset: v1\n      weight: ${v1}\n`
    + `    - destination:\n        host: tcp-echo\n        port:\n          number: 9000\n        subset: v2\n      weight: ${v2}\n`;
  const at = vs.lastIndexOf('    route:');
  return { ...files, 'tcp-echo-all-v1.yaml': `${vs.slice(0, at)}${route}`, ...extra };
}

/** `v1/v2` percent of the first listener of `t`. */
export function split(t: RoutingTable): string {
  const ds = t.listeners[0]?.route.destinations ?? [];
  const of = (s: string) => ds.find((d) => d.subset === s)?.percent ?? 0;
  return `${of('v1')}/${of('v2')}`;
}
