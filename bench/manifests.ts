/** The Istio manifests the bench commits for tcpshift: routes with two weighted subsets each. */

/** A service with a v1 and a v2 endpoint (each a backend port on 127.0.0.1). */
export interface Service {
  readonly host: string;
  readonly v1: number;
  readonly v2: number;
}

/** A listener port routed to a service's v1/v2 subsets by weight. */
export interface BenchRoute {
  readonly name: string;
  readonly listen: number;
  readonly host: string;
  readonly weights: readonly [number, number];
}

const API = 'apiVersion: networking.istio.io/v1';

/** Gateway, ServiceEntries, DestinationRules and VirtualServices, split into files of at most `perFile` routes. */
export function benchManifests(services: readonly Service[], routes: readonly BenchRoute[], perFile = 100): Record<string, string> {
  const files: Record<string, string> = {};
  files['gateway.yaml'] = gatewayDoc('bench', routes);
  files['services.yaml'] = services.map(serviceDocs).join('---\n');
  for (let i = 0; i < routes.length; i += perFile) {
    files[`routes-${String(i / perFile).padStart(3, '0')}.yaml`] = routes.slice(i, i + perFile)
      .map((r) => virtualService(r)).join('---\n');
  }
  return files;
}

/** A Gateway named `name` with one TCP server (listener) per route, bound to 127.0.0.1. */
export function gatewayDoc(name: string, routes: readonly BenchRoute[]): string {
  const servers = routes.map((r) => [
    '  - port:',
    `      number: ${r.listen}`,
    `      name: ${r.name}`,
    '      protocol: TCP',
    '    bind: 127.0.0.1',
    '    hosts: ["*"]',
  ].join('\n'));
  return [API, 'kind: Gateway', 'metadata:', `  name: ${name}`, 'spec:', '  selector:', '    istio: ingressgateway', '  servers:', ...servers, ''].join('\n');
}

/** ServiceEntry and DestinationRule (subsets v1, v2) of one service. */
export function serviceDocs(s: Service): string {
  return [
    API, 'kind: ServiceEntry', 'metadata:', `  name: ${s.host}`, 'spec:', `  hosts: [${s.host}]`,
    '  ports:', '  - number: 9000', '    name: tcp', '    protocol: TCP', '  resolution: STATIC', '  endpoints:',
    `  - address: 127.0.0.1`, `    ports: { tcp: ${s.v1} }`, '    labels: { version: v1 }',
    `  - address: 127.0.0.1`, `    ports: { tcp: ${s.v2} }`, '    labels: { version: v2 }',
    '---',
    API, 'kind: DestinationRule', 'metadata:', `  name: ${s.host}`, 'spec:', `  host: ${s.host}`, '  subsets:',
    '  - name: v1', '    labels: { version: v1 }', '  - name: v2', '    labels: { version: v2 }', '',
  ].join('\n');
}

/** The VirtualService of one route, bound to `gateway`. */
export function virtualService(r: BenchRoute, gateway = 'bench'): string {
  const dest = (subset: string, weight: number) => [
    '    - destination:', `        host: ${r.host}`, `        subset: ${subset}`, '        port: { number: 9000 }', `      weight: ${weight}`,
  ];
  return [
    API, 'kind: VirtualService', 'metadata:', `  name: ${r.name}`, 'spec:', '  hosts: ["*"]', `  gateways: [${gateway}]`, '  tcp:',
    `  - match: [{ port: ${r.listen} }]`, '    route:', ...dest('v1', r.weights[0]), ...dest('v2', r.weights[1]), '',
  ].join('\n');
}
