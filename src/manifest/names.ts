/**
 * Names as Kubernetes and Istio validate them: DNS-1123 labels (namespaces, Gateway names, subset and
 * port names) and DNS-1123 subdomains (other resource names). A bad name is FIELD_NAME. Pure.
 */
import { Codes } from '../errors';
import { isIstioLabel } from './istio-names';
import type { DocReader } from './reader';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_MAX = 63;
const SUBDOMAIN_MAX = 253;

/** Which rule a name follows: Kubernetes' label or subdomain, or Istio's label (upper case allowed: subset and Istio port names). */
export type NameRule = 'label' | 'subdomain' | 'istio-label';

/** True for a DNS-1123 label: at most 63 lower-case letters, digits and `-`, starting and ending alphanumeric. */
export function isDns1123Label(s: string): boolean {
  return s.length <= LABEL_MAX && LABEL.test(s);
}

/** True for a DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
export function isDns1123Subdomain(s: string): boolean {
  return s.length <= SUBDOMAIN_MAX && s.split('.').every((l) => LABEL.test(l));
}

const RULES: Readonly<Record<NameRule, { test: (s: string) => boolean; what: string }>> = {
  label: { test: isDns1123Label, what: "a DNS-1123 label (at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit)" },
  'istio-label': { test: isIstioLabel, what: "a DNS-1123 label (at most 63 letters, digits and '-', starting and ending with a letter or digit)" },
  subdomain: { test: isDns1123Subdomain, what: "a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)" },
};

/** Reports FIELD_NAME at `path` unless `name` follows `rule`; returns whether it does. */
export function checkName(r: DocReader, path: string, name: string, rule: NameRule): boolean {
  const { test, what } = RULES[rule];
  if (test(name)) return true;
  r.report(path, Codes.FIELD_NAME, `${path} must be ${what}, got ${JSON.stringify(name)}`);
  return false;
}
