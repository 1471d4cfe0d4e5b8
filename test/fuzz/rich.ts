/** A valid commit that uses every field tcpshift reads, so mutations reach every reader and rule. */
export const RICH: Record<string, string> = {
  'gateway.yaml': `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: edge
  namespace: shop
  labels: {team: a}
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 31401, name: tcp-a, protocol: TCP}
    hosts: ['*']
  - port: {number: 31402, name: tcp-b, protocol: TCP}
    bind: 127.0.0.1
    hosts: ['*']
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ['*']
`,
  'routes.yaml': `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: shop
  namespace: shop
spec:
  hosts: ['*']
  gateways: [edge]
  tcp:
  - match:
    - port: 31401
    route:
    - destination: {host: db, subset: v1, port: {number: 5432}}
      weight: 70
    - destination: {host: db, subset: v2, port: {number: 5432}}
      weight: 30
  - match:
    - port: 31402
      gateways: [shop/edge]
    route:
    - destination: {host: cache.example.com}
`,
  'rules.yaml': `apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata:
  name: db
  namespace: shop
spec:
  host: db
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    connectionPool:
      tcp:
        maxConnections: 100
        connectTimeout: 2s
        idleTimeout: 10m
        tcpKeepalive: {time: 60s, interval: 10s, probes: 3}
    outlierDetection:
      consecutiveGatewayErrors: 3
      consecutive5xxErrors: 5
      interval: 5s
      baseEjectionTime: 30s
      maxEjectionPercent: 50
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {simple: RANDOM}
      connectionPool:
        tcp: {idleTimeout: 0s}
`,
  'services.yaml': `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db
  namespace: shop
spec:
  hosts: [db]
  ports:
  - {number: 5432, name: tcp-db, protocol: TCP, targetPort: 15432}
  - {number: 5433, name: tcp-admin, protocol: TCP}
  resolution: STATIC
  location: MESH_INTERNAL
  endpoints:
  - address: 127.0.0.1
    ports: {tcp-db: 9100}
    labels: {version: v1}
    weight: 2
  - address: 127.0.0.2
    labels: {version: v1}
  - address: ::1
    ports: {tcp-db: 9102, tcp-admin: 9103}
    labels: {version: v2}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: cache
  namespace: shop
spec:
  hosts: [cache.example.com]
  ports:
  - {number: 6379, name: tcp-redis, protocol: TCP}
  resolution: DNS
  endpoints:
  - address: cache-1.example.com
  - address: 127.0.0.1
    ports: {tcp-redis: 6380}
`,
};
