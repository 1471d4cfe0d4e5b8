/** `tcpshift validate`: no manifest fails, warnings are shown, --strict fails on them, run's compile options, -o json|yaml. */
import { parse } from 'yaml';
import { tcpshift } from '../helpers/cli';
import { Harness } from '../helpers/harness';
import { allV1Files, split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

const ports = { gateway: 31400, v1: 9000, v2: 9001 };

/** A second Gateway bound to 127.0.0.5 on the same port, reached by the same VirtualService. */
function withLoopbackGateway(files: Record<string, string>): Record<string, string> {
  const all = files['tcp-echo-all-v1.yaml']!.replace('  - tcp-echo-gateway', '  - tcp-echo-gateway\n  - loopback-gateway');
  const gw = 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: loopback-gateway\nspec:\n  selector:\n    istio: ingressgateway\n'
    + '  servers:\n  - port:\n      number: 31400\n      name: tcp\n      protocol: TCP\n    bind: 127.0.0.5\n    hosts:\n    - "*"\n';
  return { ...files, 'tcp-echo-all-v1.yaml': `${all}---\n${gw}` };
}

test('no manifest at all fails: a README, an empty folder', () => {
  const dir = h.folder({ 'README.md': '# docs\n' });
  const readme = tcpshift(['validate', `${dir}/README.md`]);
  expect([readme.code, readme.stderr]).toEqual([1, expect.stringMatching(/no manifest/)]);
  const empty = tcpshift(['validate', h.folder({})]);
  expect([empty.code, empty.stderr]).toEqual([1, expect.stringMatching(/no manifest/)]);
});

test('kind: VirtualServce in networking.istio.io/v1 is an error, UNKNOWN_KIND', () => {
  const files = split8020Files(ports);
  files['tcp-echo-all-v1.yaml'] = files['tcp-echo-all-v1.yaml']!.replace('kind: VirtualService', 'kind: VirtualServce');
  const r = tcpshift(['validate', h.folder(files)]);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/tcp-echo-all-v1\.yaml:\d+:1: UNKNOWN_KIND: /);
});

test('warnings are printed by default; --strict makes them fail, but not KIND_SKIPPED', () => {
  const files = split8020Files(ports);
  files['tcp-echo-all-v1.yaml'] = files['tcp-echo-all-v1.yaml']!.replace('weight: 20', 'wieght: 20\n      weight: 20');
  const dir = h.folder(files);
  const plain = tcpshift(['validate', dir]);
  expect(plain.code).toBe(0);
  expect(plain.stderr).toMatch(/^warning: \S+tcp-echo-all-v1\.yaml:\d+:\d+: FIELD_UNKNOWN: .*wieght/m);
  const strict = tcpshift(['validate', '--strict', dir]);
  expect(strict.code).toBe(1);
  expect(strict.stderr).toMatch(/FIELD_UNKNOWN/);
  expect(strict.stderr).toMatch(/--strict/);
  const samples = tcpshift(['validate', '--strict', h.folder(allV1Files(ports))]); // Service and Deployments: KIND_SKIPPED only
  expect([samples.code, samples.stderr]).toEqual([0, expect.stringMatching(/KIND_SKIPPED/)]);
});

test('--listen-host as run and diff: a Gateway bound to 127.0.0.5 conflicts with a 0.0.0.0 listener only', () => {
  const dir = h.folder(withLoopbackGateway(allV1Files(ports)));
  const wildcard = tcpshift(['validate', dir]);
  expect([wildcard.code, wildcard.stdout]).toEqual([1, expect.stringMatching(/LISTENER_CONFLICT/)]);
  expect(tcpshift(['validate', '--listen-host', '127.0.0.1', dir]).code).toBe(0);
  expect(tcpshift(['validate', '--gateway-labels', 'istio=other', '--strict', h.folder(allV1Files(ports))]).code).toBe(1); // GATEWAY_SELECTOR_MISMATCH
});

test('-o json and -o yaml: valid, counts and every diagnostic; --format github is -o github', () => {
  const dir = h.folder(allV1Files(ports));
  const json = tcpshift(['validate', '-o', 'json', dir]);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, files: 3, resources: 6, listeners: 1, errors: 0, diagnostics: expect.arrayContaining([expect.objectContaining({ code: 'KIND_SKIPPED' })]) });
  expect(parse(tcpshift(['validate', '-o', 'yaml', dir]).stdout)).toMatchObject({ valid: true, files: 3 });
  expect(tcpshift(['validate', '-o', 'github', dir]).stdout).toBe(tcpshift(['validate', '--format', 'github', dir]).stdout);
});
