/** One YAML document → one typed resource: header (kind, apiVersion, metadata), then the kind's reader. Pure. */
import { Codes, type Diagnostic } from '../errors';
import { readDestinationRule } from './destinationrule';
import { readEndpointSlice } from './endpointslice';
import { isPlainMap, typeName } from './fields';
import { asObj, Obj } from './obj';
import { readGateway } from './gateway';
import { withGatewayApiSpec } from './gateway-api';
import { readAcceptProxyProtocol } from './gateway-tls';
import { kindApi } from './kinds';
import { readKubeService } from './kube-service';
import { checkName } from './names';
import { DocReader } from './reader';
import { readServiceEntry } from './serviceentry';
import { readRolloutPolicy } from './rolloutpolicy';
import {
  ISTIO_GROUP, ISTIO_KINDS, TCPSHIFT_GROUP, TCPSHIFT_KINDS, TCPSHIFT_VERSIONS, type Kind, type Metadata, type Resource,
} from './types';
import { readVirtualService } from './virtualservice';
import { readWorkloadEntry } from './workloadentry';
import type { YamlDoc } from './yaml';

/** Every kind Istio defines in networking.istio.io: those tcpshift does not read are skipped, any other is a typo. */
const ISTIO_NETWORKING_KINDS: readonly string[] = [...ISTIO_KINDS, 'Sidecar', 'EnvoyFilter', 'WorkloadGroup', 'ProxyConfig'];

/** ObjectMeta fields Kubernetes tools write that do not affect routing. */
const IGNORED_METADATA = [
  'annotations', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'managedFields', 'ownerReferences', 'finalizers', 'generateName', 'selfLink',
];

/** The resource in `y` (undefined when it is skipped or unreadable) and every diagnostic about it. */
export function readDocument(file: string, y: YamlDoc): { resource?: Resource; diagnostics: Diagnostic[] } {
  const r = new DocReader(file, y.line, y.col, y.aliases, y.lineCounter);
  const resource = readResource(r, y);
  return resource ? { resource, diagnostics: r.diagnostics } : { diagnostics: r.diagnostics };
}

function readResource(r: DocReader, y: YamlDoc): Resource | undefined {
  if (!isPlainMap(y.value)) {
    r.reportDoc(Codes.DOC_NOT_MAPPING, `document must be a mapping, got ${typeName(y.value)}`);
    return undefined;
  }
  const root = new Obj(r, '', y.value, y.node);
  const kind = headerString(root, 'kind', Codes.DOC_NO_KIND);
  const apiVersion = headerString(root, 'apiVersion', Codes.DOC_NO_API_VERSION);
  if (kind === undefined || apiVersion === undefined) return undefined;

  const [group, version] = splitApiVersion(apiVersion);
  if (group === TCPSHIFT_GROUP) return readTcpshiftKind(r, root, kind, apiVersion, version, y.raw);
  if (group === ISTIO_GROUP && !ISTIO_NETWORKING_KINDS.includes(kind)) {
    r.report('kind', Codes.UNKNOWN_KIND, `${kind} is not a kind of ${ISTIO_GROUP} (tcpshift reads ${ISTIO_KINDS.join(', ')})`);
    return undefined;
  }
  const api = kindApi(kind, group);
  if (!api || api.group !== group) {
    const meta = y.value['metadata'];
    const name = isPlainMap(meta) && typeof meta['name'] === 'string' ? meta['name'] : '(unnamed)';
    r.report('kind', Codes.KIND_SKIPPED, `${kind} ${name} (${apiVersion}) is not a kind tcpshift reads; skipped`, 'warning');
    return undefined;
  }
  if (!api.versions.includes(version)) {
    r.report('apiVersion', Codes.UNKNOWN_API_VERSION,
      `apiVersion ${apiVersion} is not a known version of ${kind} (known: ${api.versions.join(', ')})`);
    return undefined;
  }

  return withBody(r, root, api.kind ?? (kind as Kind), apiVersion, y.raw, api.topLevel === true);
}

/** A kind of group tcpshift.io (UNKNOWN_KIND / UNKNOWN_API_VERSION when it has no such kind or version). */
function readTcpshiftKind(r: DocReader, root: Obj, kind: string, apiVersion: string, version: string, raw: unknown): Resource | undefined {
  if (!(TCPSHIFT_KINDS as readonly string[]).includes(kind)) {
    r.report('kind', Codes.UNKNOWN_KIND, `${kind} is not a kind of ${TCPSHIFT_GROUP} (tcpshift reads ${TCPSHIFT_KINDS.join(', ')})`);
    return undefined;
  }
  if (!TCPSHIFT_VERSIONS.includes(version)) {
    r.report('apiVersion', Codes.UNKNOWN_API_VERSION,
      `apiVersion ${apiVersion} is not a known version of ${kind} (known: ${TCPSHIFT_VERSIONS.join(', ')})`);
    return undefined;
  }
  return withBody(r, root, kind as Kind, apiVersion, raw, false);
}

/** The resource's metadata and spec; `topLevel` when the kind has no spec (an EndpointSlice's fields are at the root). */
function withBody(r: DocReader, root: Obj, kind: Kind, apiVersion: string, raw: unknown, topLevel: boolean): Resource | undefined {
  const metadata = readMetadata(root, kind);
  const specField = topLevel ? undefined : root.get('spec');
  const spec = topLevel ? root : specField ? asObj(r, specField) : new Obj(r, 'spec', {}, undefined);
  root.ignore('status');
  if (!topLevel) root.done();
  if (!metadata || !spec) return undefined;
  const base = { apiVersion, metadata, file: r.file, line: r.line, col: r.col, positions: r.positions, raw };
  return withSpec(kind, spec, base, root);
}

function withSpec(kind: Kind, spec: Obj, base: Omit<Resource, 'kind' | 'spec'>, root: Obj): Resource | undefined {
  switch (kind) {
    case 'Gateway':
      return { ...base, kind, spec: readGateway(spec, readAcceptProxyProtocol(root.r, root.get('metadata'))) };
    case 'VirtualService':
      return { ...base, kind, spec: readVirtualService(spec) };
    case 'DestinationRule': {
      const s = readDestinationRule(spec);
      return s && { ...base, kind, spec: s };
    }
    case 'ServiceEntry':
      return { ...base, kind, spec: readServiceEntry(spec) };
    case 'RolloutPolicy':
      return { ...base, kind, spec: readRolloutPolicy(spec) };
    case 'WorkloadEntry': {
      const s = readWorkloadEntry(spec);
      return s && { ...base, kind, spec: s };
    }
    case 'Service':
      return { ...base, kind, spec: readKubeService(spec) };
    case 'EndpointSlice':
      return { ...base, kind, spec: readEndpointSlice(spec, base.metadata.labels) };
    case 'KubernetesGateway':
    case 'TCPRoute':
    case 'TLSRoute':
    case 'ReferenceGrant':
      return withGatewayApiSpec(kind, spec, base);
  }
}

/** `group/version` → [group, version]; `v1` is the core group; a bare `networking.istio.io` lacks its version. */
function splitApiVersion(apiVersion: string): [string, string] {
  if (apiVersion === ISTIO_GROUP) return [ISTIO_GROUP, ''];
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

/** `kind` or `apiVersion`: a non-empty string, else the document-level `code`. */
function headerString(root: Obj, key: string, code: Diagnostic['code']): string | undefined {
  const f = root.get(key);
  if (f && typeof f.value === 'string' && f.value !== '') return f.value;
  const got = f ? `got ${typeName(f.value)}` : 'it is missing';
  root.r.report(key, code, `document must have a string ${key}; ${got}`);
  return undefined;
}

/**
 * Names follow Kubernetes (a DNS-1123 subdomain; a namespace is a DNS-1123 label) and, for a Gateway,
 * Istio (a DNS-1123 label). A bad name is reported but the resource is kept, so references to it do
 * not add errors of their own.
 */
function readMetadata(root: Obj, kind: Kind): Metadata | undefined {
  const m = root.obj('metadata', true);
  if (!m) return undefined;
  const name = m.str('name', true);
  if (name !== undefined) checkName(root.r, m.at('name'), name, kind === 'Gateway' || kind === 'Service' ? 'label' : 'subdomain');
  const namespace = m.str('namespace') || 'default';
  if (namespace !== 'default') checkName(root.r, m.at('namespace'), namespace, 'label');
  const labels = m.strMap('labels');
  m.ignore(...IGNORED_METADATA);
  m.done();
  return name === undefined ? undefined : { name, namespace, labels };
}
