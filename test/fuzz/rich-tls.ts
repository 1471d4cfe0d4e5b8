/** A valid commit using every TLS-passthrough and PROXY-protocol field tcpshift reads, so mutations reach those readers and rules. */
export const RICH_TLS: Record<string, string> = {
  'gateway.yaml': `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: edge
  namespace: shop
  annotations:
    tcpshift.io/accept-proxy-protocol: "true"
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 31443, name: tls, protocol: TLS}
    tls: {mode: PASSTHROUGH}
    hosts: ['shop/*.example.com', './db.example.com']
  - port: {number: 31444, name: https, protocol: HTTPS}
    tls: {mode: PASSTHROUGH}
    hosts: ['*/*']
`,
  'routes.yaml': `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: shop
  namespace: shop
spec:
  hosts: ['*.example.com']
  gateways: [edge]
  tls:
  - match:
    - sniHosts: [db.example.com, '*.db.example.com']
      port: 31443
    - sniHosts: [db2.example.com]
      gateways: [shop/edge]
    route:
    - destination: {host: db, subset: v1, port: {number: 5432}}
      weight: 70
    - destination: {host: db, subset: v2, port: {number: 5432}}
      weight: 30
  - match:
    - sniHosts: [cache.example.com]
    route:
    - destination: {host: db, port: {number: 5432}}
  tcp:
  - match:
    - port: 31443
    route:
    - destination: {host: db, subset: v1, port: {number: 5432}}
`,
  'rules.yaml': `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: db
  namespace: shop
spec:
  host: db
  trafficPolicy:
    proxyProtocol: {version: V1}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      proxyProtocol: {version: V2}
`,
  'services.yaml': `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db
  namespace: shop
spec:
  hosts: [db]
  ports:
  - {number: 5432, name: tls-db, protocol: TLS}
  resolution: STATIC
  endpoints:
  - address: 127.0.0.1
    ports: {tls-db: 9100}
    labels: {version: v1}
  - address: 127.0.0.2
    ports: {tls-db: 9101}
    labels: {version: v2}
`,
};
