/** The pure text views of the CLI: status endpoints, the `get` table and its namespace-complete YAML. */
import type { AppliedResource } from '../../src/admin/config-view';
import { renderTable, summarize, withNamespace } from '../../src/cli/get-table';
import { renderStatus, type StatusDocument } from '../../src/cli/status-view';

const status = (endpoints: { key: string; active: number; ejected: boolean }[]): StatusDocument => ({
  source: 'git /r branch main', ready: true, reason: 'ReconciliationSucceeded', message: 'serving', lastAppliedRevision: null, lastAppliedAt: null,
  lastAttemptedRevision: null, lastAttemptedAt: null, lastOutcome: null, diagnostics: [], lastChanges: [], activeConnections: 0,
  listeners: [{ key: '127.0.0.1:31400', gateway: 'default/gw', route: { virtualService: 'default/vs', rule: 0, observedConnections: 0, destinations: [
    { host: 'tcp-echo', subset: 'v1', port: 9000, weight: 100, percent: 100, observedPercent: null, active: 0, opened: 0, closed: 0, endpoints },
  ] } }],
} as unknown as StatusDocument);

test('status: an endpoint with no open connection reads "0 active", not "×0"', () => {
  const lines = renderStatus(status([{ key: '127.0.0.1:42905', active: 0, ejected: false }, { key: '127.0.0.1:42906', active: 3, ejected: true }]));
  const line = lines.find((l) => l.includes('endpoints'))!;
  expect(line).toMatch(/endpoints 127\.0\.0\.1:42905 \(0 active\), 127\.0\.0\.1:42906 \(ejected, 3 active\)$/);
  expect(line).not.toContain('×');
});

const res = (kind: string, name: string, spec: unknown, namespace = 'default'): AppliedResource => ({
  kind, apiVersion: 'networking.istio.io/v1', metadata: { name, namespace }, file: 'm.yaml',
  manifest: { apiVersion: 'networking.istio.io/v1', kind, metadata: { name, labels: { a: 'b' } }, spec },
});

const VS = res('VirtualService', 'tcp-echo', { tcp: [{ route: [
  { destination: { host: 'tcp-echo', subset: 'v1' }, weight: 80 }, { destination: { host: 'tcp-echo', subset: 'v2' }, weight: 20 },
] }] });
const GW = res('Gateway', 'tcp-echo-gateway', { servers: [{ port: { number: 31400, protocol: 'TCP' } }, { port: { number: 31401, protocol: 'TCP' }, bind: '127.0.0.5' }] });
const DR = res('DestinationRule', 'tcp-echo-destination', { host: 'tcp-echo', subsets: [{ name: 'v1' }, { name: 'v2' }] });
const SE = res('ServiceEntry', 'tcp-echo', { hosts: ['tcp-echo'], endpoints: [{ address: '127.0.0.1', ports: { tcp: 9000 }, labels: { version: 'v1' } }] });

test('get table: NAME, NAMESPACE and a summary column per kind', () => {
  expect(renderTable([VS], false)).toEqual([
    'NAME       NAMESPACE   ROUTES',
    'tcp-echo   default     tcp-echo/v1 80, tcp-echo/v2 20',
  ]);
  expect(summarize(GW)).toBe('31400/TCP, 127.0.0.5:31401/TCP');
  expect(summarize(DR)).toBe('tcp-echo  v1, v2');
  expect(summarize(SE)).toBe('tcp-echo  127.0.0.1:9000 (v1)');
  expect(renderTable([], false)).toEqual(['No resources found.']);
});

test('get: the kinds that say where workloads are have a summary of their own', () => {
  const svc = res('Service', 'tcp-echo', { selector: { app: 'tcp-echo' }, ports: [{ name: 'tcp', port: 9000 }, { port: 9001 }] });
  const we = res('WorkloadEntry', 'tcp-echo-v1', { address: '127.0.0.1', ports: { tcp: 9000 }, labels: { app: 'tcp-echo', version: 'v1' } });
  const slice: AppliedResource = {
    kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', metadata: { name: 'db-1', namespace: 'default' }, file: 'm.yaml',
    manifest: { metadata: { name: 'db-1', labels: { 'kubernetes.io/service-name': 'db' } }, endpoints: [{ addresses: ['10.0.0.1', '10.0.0.2'] }], ports: [{ port: 5432 }] },
  };
  expect(summarize(svc)).toBe('app=tcp-echo  tcp:9000, -:9001');
  expect(summarize(we)).toBe('127.0.0.1:9000  app=tcp-echo,version=v1');
  expect(summarize(slice)).toBe('db  10.0.0.1, 10.0.0.2 :5432');
  expect(renderTable([we], false)[0]).toMatch(/ADDRESS \/ LABELS$/);
});

test('get all: every kind, rows named kind/name under one SUMMARY column', () => {
  const lines = renderTable([GW, VS, DR, SE], true);
  expect(lines[0]).toMatch(/^NAME +NAMESPACE +SUMMARY$/);
  expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['gateway/tcp-echo-gateway', 'virtualservice/tcp-echo', 'destinationrule/tcp-echo-destination', 'serviceentry/tcp-echo']);
});

test('get -o yaml: metadata.namespace is filled in, right after the name', () => {
  expect(withNamespace(res('Gateway', 'g', {}, 'edge'))).toEqual({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'g', namespace: 'edge', labels: { a: 'b' } }, spec: {} });
  expect(Object.keys((withNamespace(VS) as { metadata: object }).metadata)).toEqual(['name', 'namespace', 'labels']);
});
