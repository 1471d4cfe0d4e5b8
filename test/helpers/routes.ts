/** One-file manifests for the tcp-echo route with chosen ports, weights and endpoints (for tests that commit many variations). */

export interface RouteSpec {
  /** The Gateway's port. */
  readonly gateway: number;
  /** Endpoint ports of v1 and of v2 (all on 127.0.0.1). */
  readonly v1: readonly number[];
  readonly v2: readonly number[];
  /** Weights of v1 and v2 (default 80/20). */
  readonly weights?: readonly [number, number];
  /** Extra YAML under the v1 subset's `trafficPolicy:` (indented by the caller to 6 spaces). */
  readonly v1Policy?: string;
}

/** `{ 'routes.yaml': … }`: Gateway, DestinationRule, VirtualService and ServiceEntry for `spec`. */
export function routeFiles(spec: RouteSpec, dir = ''): Record<string, string> {
  const [w1, w2] = spec.weights ?? [80, 20];
  const endpoint = (port: number, version: string) => `  - address: 127.0.0.1\n    ports:\n      tcp: ${port}\n    labels:\n      version: ${version}\n`;
  const yaml = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: tcp-echo-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: ${spec.gateway}
      name: tcp
      protocol: TCP
    hosts:
    - "*"
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: tcp-echo-destination
spec:
  host: tcp-echo
  subsets:
  - name: v1
    labels:
      version: v1
${spec.v1Policy ? `    trafficPolicy:\n${spec.v1Policy}` : ''}  - name: v2
    labels:
      version: v2
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: tcp-echo
spec:
  hosts:
  - "*"
  gateways:
  - tcp-echo-gateway
  tcp:
  - route:
    - destination:
        host: tcp-echo
        port:
          number: 9000
        subset: v1
      weight: ${w1}
    - destination:
        host: tcp-echo
        port:
          number: 9000
        subset: v2
      weight: ${w2}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: tcp-echo
spec:
  hosts:
  - tcp-echo
  ports:
  - number: 9000
    name: tcp
    protocol: TCP
  resolution: STATIC
  endpoints:
${spec.v1.map((p) => endpoint(p, 'v1')).join('')}${spec.v2.map((p) => endpoint(p, 'v2')).join('')}`;
  return { [dir === '' ? 'routes.yaml' : `${dir}/routes.yaml`]: yaml };
}
