/** WorkloadEntry spec reader: one workload's address, named ports, labels, weight and locality. Pure. */
import { Codes } from '../errors';
import { isHostname, isIP } from './address';
import { asPort, compact, INT32_MAX } from './fields';
import { unixAddressError, unixPath } from './istio-names';
import { checkName } from './names';
import type { Obj } from './obj';
import type { WorkloadEntrySpec } from './workload-types';

/** The WorkloadEntry spec, or undefined when it has no address (reported). */
export function readWorkloadEntry(spec: Obj): WorkloadEntrySpec | undefined {
  const r = spec.r;
  const address = spec.str('address', true);
  // validateWorkloadEntry: `unix:///path` is a Unix socket workload, with no ports of its own.
  const path = address === undefined ? null : unixPath(address);
  const unix = path !== null;
  const unixError = path !== null ? unixAddressError(path) : null;
  if (address !== undefined && (unix ? unixError !== null : !isIP(address) && !isHostname(address))) {
    r.report(spec.at('address'), Codes.FIELD_ADDRESS,
      `${spec.at('address')} must be an IP address, a DNS name or unix:///path, got ${JSON.stringify(address)}${unixError ? ` (${unixError})` : ''}`);
  }
  const ports = readPortMap(spec, 'ports');
  if (unix && Object.keys(ports).length > 0) {
    r.report(spec.at('ports'), Codes.FIELD_UNSUPPORTED, `${spec.at('ports')} is not supported: a Unix socket workload has no ports`);
  }
  const labels = spec.strMap('labels');
  const weight = spec.int('weight', { min: 0, max: INT32_MAX });
  const locality = spec.str('locality');
  spec.ignore('network', 'serviceAccount');
  spec.done();
  // A bad address is reported and kept, so the subsets it would fill do not add EMPTY_SUBSET errors.
  if (address === undefined) return undefined;
  return compact({ address, ports, labels, weight, locality });
}

/** A `name: port` map (a WorkloadEntry's `ports`); names are DNS-1123 labels. */
export function readPortMap(o: Obj, key: string): Record<string, number> {
  const map = o.obj(key);
  const ports: [string, number][] = [];
  for (const name of map?.keys() ?? []) {
    const p = map?.get(name);
    if (!p) continue;
    checkName(o.r, p.path, name, 'istio-label');
    const n = asPort(o.r, p);
    if (n !== undefined) ports.push([name, n]);
  }
  return Object.fromEntries(ports);
}
