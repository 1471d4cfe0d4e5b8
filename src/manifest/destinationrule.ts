/** DestinationRule spec reader: host, top-level traffic policy and subsets. Pure. */
import { compact } from './fields';
import { checkHost } from './istio-checks';
import { checkName } from './names';
import { asObj, type Obj } from './obj';
import type { DocReader, Field } from './reader';
import { readTrafficPolicy } from './trafficpolicy';
import type { DestinationRuleSpec, Subset } from './types';

/** The DestinationRule spec, or undefined when it has no usable `host` (reported). */
export function readDestinationRule(spec: Obj): DestinationRuleSpec | undefined {
  const r = spec.r;
  const host = spec.str('host', true);
  if (host !== undefined) checkHost(r, spec.at('host'), host, 'destinationrule');
  const tp = spec.obj('trafficPolicy');
  const trafficPolicy = tp && readTrafficPolicy(tp);
  const subsets: Subset[] = [];
  spec.list('subsets').forEach((f, index) => {
    const s = readSubset(r, f, index);
    if (s) subsets.push(s);
  });
  spec.ignore('exportTo');
  spec.unsupported('workloadSelector', 'there are no workloads to select; the rule applies to every client', 'warning');
  spec.done();
  return host === undefined ? undefined : compact({ host, trafficPolicy, subsets });
}

function readSubset(r: DocReader, f: Field, index: number): Subset | undefined {
  const o = asObj(r, f);
  if (!o) return undefined;
  const name = o.str('name', true);
  if (name !== undefined) checkName(r, o.at('name'), name, 'istio-label');
  const labels = o.strMap('labels');
  const tp = o.obj('trafficPolicy');
  const trafficPolicy = tp && readTrafficPolicy(tp);
  o.done();
  return name === undefined ? undefined : compact({ index, name, labels, trafficPolicy });
}
