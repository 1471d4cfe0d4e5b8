/** The walkthrough's manifests (Istio's samples, unchanged) are accepted with only KIND_SKIPPED warnings. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Codes } from '../../src/errors';
import { parseManifests } from '../../src/manifest/parse';
import type { ManifestFile, Resource } from '../../src/manifest/types';

const ROOT = join(__dirname, '..', '..');
/** Copies of ../shared/istio-samples, byte for byte. */
const SAMPLES = join(ROOT, 'test', 'fixtures', 'manifest', 'istio-samples');
const EXAMPLE = join(ROOT, 'config-repo-example');

function load(dir: string, names: readonly string[], prefix = ''): ManifestFile[] {
  return names.map((name) => {
    const content = readFileSync(join(dir, name));
    return { path: `${prefix}${name}`, type: 'file', size: content.length, content };
  });
}

function yamlIn(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.yaml'));
}

function named(resources: readonly Resource[]): string[] {
  return resources.map((r) => `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`);
}

describe('config-repo-example', () => {
  const manifests = load(join(EXAMPLE, 'manifests'), yamlIn(join(EXAMPLE, 'manifests')), 'manifests/');

  test('manifests/ parse with one KIND_SKIPPED per Deployment; the Service and the WorkloadEntries are read', () => {
    const { resources, diagnostics } = parseManifests(manifests);
    // Deployment tcp-echo-v1, Deployment tcp-echo-v2: at each `kind:` line.
    expect(diagnostics.map((d) => [d.code, d.severity, d.file, d.line, d.col])).toEqual([
      [Codes.KIND_SKIPPED, 'warning', 'manifests/tcp-echo-services.yaml', 33, 1],
      [Codes.KIND_SKIPPED, 'warning', 'manifests/tcp-echo-services.yaml', 61, 1],
    ]);
    expect(named(resources)).toEqual([
      'Gateway/default/tcp-echo-gateway',
      'DestinationRule/default/tcp-echo-destination',
      'VirtualService/default/tcp-echo',
      'Service/default/tcp-echo',
      'WorkloadEntry/default/tcp-echo-v1',
      'WorkloadEntry/default/tcp-echo-v2',
    ]);
  });

  test('the Gateway, DestinationRule, Service and WorkloadEntries read as written', () => {
    const { resources } = parseManifests(manifests);
    expect(resources.map((r) => r.spec)).toEqual([
      {
        selector: { istio: 'ingressgateway' },
        servers: [{ index: 0, port: { number: 31400, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] }],
        serverCount: 1,
      },
      {
        host: 'tcp-echo',
        subsets: [
          { index: 0, name: 'v1', labels: { version: 'v1' } },
          { index: 1, name: 'v2', labels: { version: 'v2' } },
        ],
      },
      {
        hosts: ['*'],
        gateways: ['tcp-echo-gateway'],
        tcp: [{ index: 0, match: [{ port: 31400 }], route: [{ index: 0, destination: { host: 'tcp-echo', subset: 'v1', port: 9000 } }] }],
      },
      { selector: { app: 'tcp-echo' }, ports: [{ index: 0, name: 'tcp', port: 9000 }, { index: 1, name: 'tcp-other', port: 9001 }] },
      { address: '127.0.0.1', ports: { tcp: 9000 }, labels: { app: 'tcp-echo', version: 'v1' } },
      { address: '127.0.0.1', ports: { tcp: 9001 }, labels: { app: 'tcp-echo', version: 'v2' } },
    ]);
  });

  test('steps/tcp-echo-20-v2.yaml: the 80/20 rule, with positions of nested fields', () => {
    const { resources, diagnostics } = parseManifests(load(join(EXAMPLE, 'steps'), ['tcp-echo-20-v2.yaml'], 'steps/'));
    expect(diagnostics).toEqual([]);
    const [vs] = resources;
    if (vs?.kind !== 'VirtualService') throw new Error('expected a VirtualService');
    expect(vs.spec.tcp[0]?.route.map((r) => [r.destination.subset, r.weight])).toEqual([['v1', 80], ['v2', 20]]);
    expect([vs.file, vs.line, vs.col]).toEqual(['steps/tcp-echo-20-v2.yaml', 15, 1]);
    const positions: Record<string, readonly [number, number]> = {
      kind: [16, 1],
      'metadata.name': [18, 3],
      spec: [19, 1],
      'spec.hosts[0]': [21, 5],
      'spec.gateways[0]': [23, 5],
      'spec.tcp': [24, 3],
      'spec.tcp[0]': [25, 5],
      'spec.tcp[0].match[0]': [26, 7],
      'spec.tcp[0].match[0].port': [26, 7],
      'spec.tcp[0].route': [27, 5],
      'spec.tcp[0].route[1]': [34, 7],
      'spec.tcp[0].route[1].destination.host': [35, 9],
      'spec.tcp[0].route[1].destination.port.number': [37, 11],
      'spec.tcp[0].route[1].destination.subset': [38, 9],
      'spec.tcp[0].route[1].weight': [39, 7],
      'spec.tcp[0].route[0].weight': [33, 7],
    };
    for (const [path, at] of Object.entries(positions)) expect([path, vs.positions[path]]).toEqual([path, at]);
  });

  test('raw keeps the document as written', () => {
    const { resources } = parseManifests(load(join(EXAMPLE, 'steps'), ['tcp-echo-20-v2.yaml']));
    const raw = resources[0]?.raw as { spec: { tcp: { route: { weight: number }[] }[] } };
    expect(raw).toMatchObject({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'tcp-echo' } });
    expect(raw.spec.tcp[0]?.route.map((r) => r.weight)).toEqual([80, 20]);
  });
});

describe("Istio's samples", () => {
  const files = load(SAMPLES, yamlIn(SAMPLES));

  test('all five files: only KIND_SKIPPED warnings', () => {
    const { resources, diagnostics } = parseManifests(files);
    expect(files).toHaveLength(5);
    expect(new Set(diagnostics.map((d) => `${d.code}/${d.severity}`))).toEqual(new Set(['KIND_SKIPPED/warning']));
    expect(named(resources)).toEqual([
      'TCPRoute/default/tcp-echo',
      'KubernetesGateway/default/tcp-echo-gateway',
      'Service/default/tcp-echo-v1',
      'Service/default/tcp-echo-v2',
      'TCPRoute/default/tcp-echo',
      'VirtualService/default/tcp-echo',
      'Gateway/default/tcp-echo-gateway',
      'DestinationRule/default/tcp-echo-destination',
      'VirtualService/default/tcp-echo',
      'Service/default/tcp-echo',
    ]);
  });

  test('the Gateway API files are read: Gateway (as KubernetesGateway), Services and TCPRoutes, without a diagnostic', () => {
    const gw = files.filter((f) => f.path.startsWith('gateway-api-'));
    const { resources, diagnostics } = parseManifests(gw);
    expect(named(resources)).toEqual([
      'TCPRoute/default/tcp-echo', 'KubernetesGateway/default/tcp-echo-gateway', 'Service/default/tcp-echo-v1', 'Service/default/tcp-echo-v2', 'TCPRoute/default/tcp-echo',
    ]);
    expect(diagnostics).toEqual([]);
  });
});
