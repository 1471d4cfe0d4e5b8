/** TCPRoute / TLSRoute (v1alpha2) and ReferenceGrant (v1beta1) spec readers. Pure. */
import { Codes } from '../errors';
import { compact } from './fields';
import { checkHostname, checkSectionName } from './gateway-api-names';
import { GATEWAY_API_GROUP, type BackendRef, type GrantFrom, type GrantTo, type L4RouteSpec, type ParentRef, type ReferenceGrantSpec, type RouteRule } from './gateway-api-types';
import { checkName } from './names';
import { asObj, type Obj } from './obj';
import type { Field } from './reader';

/** The Gateway API's bounds of a backendRef weight. */
const WEIGHT = { min: 0, max: 1_000_000 };

/** A TCPRoute's or (`tls`) a TLSRoute's spec: parentRefs, hostnames (TLSRoute only) and its one rule. */
export function readL4Route(spec: Obj, tls: boolean): L4RouteSpec {
  const r = spec.r;
  const parentRefs: ParentRef[] = [];
  spec.list('parentRefs').forEach((f, index) => {
    const p = readParentRef(spec, f, index);
    if (p) parentRefs.push(p);
  });
  const hostnames: string[] = [];
  if (tls) {
    const list = spec.get('hostnames') ? spec.list('hostnames') : [];
    for (const f of list) {
      if (typeof f.value !== 'string') { r.report(f.path, Codes.FIELD_TYPE, `${f.path} must be a string`); continue; }
      if (checkHostname(r, f.path, f.value) && !hostnames.includes(f.value)) hostnames.push(f.value);
    }
  }
  const rules: RouteRule[] = [];
  const written = spec.list('rules', true);
  if (spec.get('rules') && written.length === 0) r.report('spec.rules', Codes.FIELD_REQUIRED, 'spec.rules must have one rule');
  written.forEach((f, index) => {
    const o = asObj(r, f);
    if (!o) return;
    if (index > 0) {
      r.report(f.path, Codes.FIELD_UNSUPPORTED,
        `${f.path}: a ${tls ? 'TLSRoute' : 'TCPRoute'} rule has no matches, so only its first rule could take connections; put every backendRef in spec.rules[0]`);
    }
    const backendRefs: BackendRef[] = [];
    const refs = o.list('backendRefs', true);
    if (o.get('backendRefs') && refs.length === 0) r.report(o.at('backendRefs'), Codes.FIELD_REQUIRED, `${o.at('backendRefs')} must have at least one backendRef`);
    refs.forEach((rf, i) => {
      const b = readBackendRef(o, rf, i);
      if (b) backendRefs.push(b);
    });
    o.ignore('name');
    o.done();
    rules.push({ index, backendRefs });
  });
  spec.done();
  return { parentRefs, hostnames, rules };
}

function readParentRef(spec: Obj, f: Field, index: number): ParentRef | undefined {
  const o = asObj(spec.r, f);
  if (!o) return undefined;
  const group = o.str('group') ?? GATEWAY_API_GROUP;
  const kind = o.str('kind') ?? 'Gateway';
  const name = o.str('name', true);
  const namespace = o.str('namespace');
  if (namespace !== undefined) checkName(spec.r, o.at('namespace'), namespace, 'label');
  const sectionName = o.str('sectionName');
  if (sectionName !== undefined) checkSectionName(spec.r, o.at('sectionName'), sectionName);
  const port = o.port('port');
  o.done();
  if (group !== GATEWAY_API_GROUP || kind !== 'Gateway') {
    spec.r.report(f.path, Codes.FIELD_UNSUPPORTED,
      `${f.path}: a parent of kind ${group === '' ? '' : `${group}/`}${kind} is not supported (tcpshift serves Gateways, not the mesh); ignored`, 'warning');
    return undefined;
  }
  if (name === undefined) return undefined;
  return compact({ index, name, namespace, sectionName, port });
}

function readBackendRef(rule: Obj, f: Field, index: number): BackendRef | undefined {
  const o = asObj(rule.r, f);
  if (!o) return undefined;
  const name = o.str('name', true);
  const namespace = o.str('namespace');
  if (namespace !== undefined) checkName(rule.r, o.at('namespace'), namespace, 'label');
  const group = o.str('group') ?? '';
  const kind = o.str('kind') ?? 'Service';
  const port = o.port('port');
  const weight = o.int('weight', WEIGHT) ?? 1;
  if (port === undefined && group === '' && kind === 'Service' && !o.get('port')) {
    rule.r.report(o.at('port'), Codes.FIELD_REQUIRED, `${o.at('port')} is required when the backend is a Service`);
  }
  o.done();
  if (name === undefined) return undefined;
  return compact({ index, name, namespace, group, kind, port, weight });
}

/** A ReferenceGrant's `from` (group, kind, namespace) and `to` (group, kind, optional name). */
export function readReferenceGrant(spec: Obj): ReferenceGrantSpec {
  const r = spec.r;
  const from: GrantFrom[] = [];
  for (const f of spec.list('from', true)) {
    const o = asObj(r, f);
    const group = o?.str('group', false);
    const kind = o?.str('kind', true);
    const namespace = o?.str('namespace', true);
    if (o && group === undefined && !o.get('group')) r.report(o.at('group'), Codes.FIELD_REQUIRED, `${o.at('group')} is required ("" for the core group)`);
    o?.done();
    if (group !== undefined && kind !== undefined && namespace !== undefined) from.push({ group, kind, namespace });
  }
  const to: GrantTo[] = [];
  for (const f of spec.list('to', true)) {
    const o = asObj(r, f);
    const group = o?.str('group', false);
    const kind = o?.str('kind', true);
    const name = o?.str('name');
    if (o && group === undefined && !o.get('group')) r.report(o.at('group'), Codes.FIELD_REQUIRED, `${o.at('group')} is required ("" for the core group)`);
    o?.done();
    if (group !== undefined && kind !== undefined) to.push(compact({ group, kind, name }));
  }
  spec.done();
  return { from, to };
}
