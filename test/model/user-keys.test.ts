/**
 * Names a user writes are looked up as own keys only: a ServiceEntry port named like an
 * Object.prototype member (`constructor`, `toString`, `hasOwnProperty`) must map to the port written,
 * never to an inherited function — compiled, and served on the JavaScript data path.
 */
import { Codes } from '../../src/errors';
import { buildDesired } from '../../src/model/desired';
import { DEFAULT_COMPILE_OPTIONS, type RoutingTable } from '../../src/model/types';
import { selectorMatches } from '../../src/model/listeners';
import { kindOf } from '../../src/cli/kinds';
import { labelsArg } from '../../src/cli/options';
import { locate } from '../../src/manifest/locate';
import { file, parseOne } from '../manifest/util';
import { Harness } from '../helpers/harness';
import { connectAndSend, freePort } from '../helpers/net';

const h = new Harness();
afterEach(() => h.cleanup());

/** Gateway + VirtualService + a ServiceEntry whose one port is called `portName` and whose endpoint has no `ports:` map. */
function manifests(gatewayPort: number, backendPort: number, portName: string): string {
  return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: ${gatewayPort}, name: tcp, protocol: TCP}
    hosts: ['*']
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: ['*']
  gateways: [gw]
  tcp:
  - route:
    - destination: {host: echo}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: echo}
spec:
  hosts: [echo]
  ports:
  - {number: ${backendPort}, name: ${portName}, protocol: TCP}
  resolution: STATIC
  endpoints:
  - address: 127.0.0.1
`;
}

function compiled(gatewayPort: number, backendPort: number, portName: string): RoutingTable {
  const d = buildDesired([file('m.yaml', manifests(gatewayPort, backendPort, portName))],
    { ...DEFAULT_COMPILE_OPTIONS, listenHost: '127.0.0.1' });
  if (!d.ok) throw new Error(d.diagnostics.map((x) => `${x.code}: ${x.message}`).join('\n'));
  return d.table;
}

describe.each(['constructor', 'hasownproperty', 'tostring', 'valueof'])('a ServiceEntry port named %s', (name) => {
  test('compiles to the port written (the service port, no ports map)', () => {
    const ep = compiled(31999, 9123, name).listeners[0]!.route.destinations[0]!.endpoints[0]!;
    expect(ep).toMatchObject({ address: '127.0.0.1', port: 9123, key: '127.0.0.1:9123' });
  });
});

test('the prototype names Kubernetes allows in a port name compile and serve a connection on the JS path', async () => {
  const backend = await h.echo('one');
  const gatewayPort = await freePort();
  const table = compiled(gatewayPort, backend, 'constructor');
  const proxy = h.proxy({ dataPath: 'js' });
  await proxy.swap(table);
  expect(await connectAndSend(gatewayPort, 'hello')).toBe('one hello\n');
  expect(await connectAndSend(gatewayPort, 'again')).toBe('one again\n');
});

test('an endpoint ports map keyed by a prototype name is that key only: no service port is named so (UNKNOWN_PORT, as Istio)', () => {
  const text = manifests(31999, 9123, 'tcp').replace('  - address: 127.0.0.1\n', '  - address: 127.0.0.1\n    ports: {constructor: 9200}\n');
  const d = buildDesired([file('m.yaml', text)]);
  expect(d.ok).toBe(false);
  expect(d.diagnostics.filter((x) => x.severity === 'error').map((x) => [x.code, x.field])).toEqual([[Codes.UNKNOWN_PORT, 'spec.endpoints[0].ports.constructor']]);
});

test('selectors match own labels only', () => {
  expect(selectorMatches({ constructor: 'x' }, {})).toBe(false);
  expect(selectorMatches({ toString: 'x' }, { istio: 'ingressgateway' })).toBe(false);
});

test('a position lookup never returns an inherited member', () => {
  const { resources } = parseOne('apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {servers: []}\n');
  const r = resources[0]!;
  for (const path of ['constructor', 'toString', '__proto__', 'hasOwnProperty.x']) {
    const [line, col] = locate(r, path);
    expect([typeof line, typeof col]).toEqual(['number', 'number']);
  }
});

test('a __proto__ key in a document does not change the positions object', () => {
  const { resources, diagnostics } = parseOne('apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {servers: []}\n__proto__: [1, 2]\n');
  const r = resources[0]!;
  expect(Object.getPrototypeOf(r.positions)).not.toBeInstanceOf(Array);
  expect(locate(r, 'map')).toEqual([1, 1]);
  for (const d of diagnostics) expect([typeof d.line, typeof d.col]).toEqual(['number', 'number']);
});

test('`tcpshift get constructor` is an unknown kind, not Object', () => {
  for (const k of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) expect(kindOf(k)).toBeNull();
  expect(kindOf('vs')).toBe('VirtualService');
});

test('--gateway-labels __proto__=x is a label like any other', () => {
  expect(Object.keys(labelsArg('__proto__=x,istio=ingressgateway'))).toEqual(['__proto__', 'istio']);
  expect(selectorMatches({ ['__proto__']: 'x' }, labelsArg('__proto__=x'))).toBe(true);
});
