/** YAML-level problems: syntax, tags, duplicate keys, aliases, nesting, empty documents — and bounded cost. */
import { Codes, type Code } from '../../src/errors';
import { DEFAULT_LIMITS } from '../../src/manifest/types';
import { MAX_DEPTH } from '../../src/manifest/yaml';
import { errors, istio, parseOne, where } from './util';

const GATEWAY = istio('Gateway', '  servers:\n  - {port: {number: 1, name: tcp, protocol: TCP}, hosts: ["*"]}\n', 'g');

interface Case {
  readonly name: string;
  readonly yaml: string;
  /** Every diagnostic expected, as `CODE@line:col`. */
  readonly expect: readonly string[];
  readonly severity?: 'error' | 'warning';
}

const CASES: readonly Case[] = [
  { name: 'unclosed flow sequence', yaml: 'a: [1,\n', expect: ['YAML_SYNTAX@2:1'] },
  { name: 'tab used as indentation', yaml: 'metadata:\n\tname: x\n', expect: ['YAML_SYNTAX@2:1'] },
  { name: 'compact nested mapping', yaml: 'a: b: c\n', expect: ['YAML_SYNTAX@1:4'] },
  { name: 'misaligned mapping', yaml: 'a: |\n  x\n b: 2\n', expect: ['YAML_SYNTAX@3:1'] },
  { name: 'unclosed quote', yaml: 'kind: "x\n', expect: ['YAML_SYNTAX@2:1'] },
  { name: 'unknown tag on a scalar', yaml: 'kind: !foo Gateway\n', expect: ['YAML_SYNTAX@1:7'] },
  { name: 'unknown tag on a mapping', yaml: `${GATEWAY}status: !custom {a: 1}\n`, expect: ['YAML_SYNTAX@8:9'] },
  { name: 'alias without anchor', yaml: 'a: *nope\n', expect: ['YAML_SYNTAX@1:4'] },
  { name: 'alias inside its own anchor', yaml: 'a: &a [1, *a]\n', expect: ['YAML_SYNTAX@1:11'] },
  { name: 'duplicate top-level key', yaml: 'apiVersion: v1\nkind: A\nkind: B\n', expect: ['YAML_DUPLICATE_KEY@3:1'] },
  {
    name: 'duplicate nested key',
    yaml: istio('Gateway', '  servers:\n  - port:\n      number: 1\n      number: 2\n      protocol: TCP\n'),
    expect: ['YAML_DUPLICATE_KEY@9:7'],
  },
  { name: 'duplicate key in a flow map', yaml: 'a: {x: 1, x: 2}\n', expect: ['YAML_DUPLICATE_KEY@1:11'] },
  {
    name: 'binary tag where a string is needed',
    yaml: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: !!binary aGVsbG8=\n',
    expect: ['FIELD_TYPE@4:3'],
  },
  { name: 'only a document marker', yaml: '---\n', expect: ['DOC_EMPTY@1:1'] },
  { name: 'comment then empty documents', yaml: '# hi\n---\n---\n', expect: ['DOC_EMPTY@2:1'] },
  { name: 'explicit null document', yaml: '~\n', expect: ['DOC_EMPTY@1:1'] },
  { name: 'empty file', yaml: '', expect: [] },
  { name: 'only comments', yaml: '# nothing here\n\n# at all\n', expect: [] },
  { name: 'empty documents beside a real one', yaml: `---\n${GATEWAY}---\n---\n`, expect: [] },
  { name: 'a directive and no document', yaml: '%YAML 1.2\n', expect: [] },
  { name: 'keys 1 and "1" differ', yaml: `${GATEWAY}status:\n  1: a\n  "1": b\n`, expect: [] },
];

describe('YAML problems', () => {
  test.each(CASES)('$name', (c) => {
    const { diagnostics } = parseOne(c.yaml);
    expect(where(diagnostics)).toEqual(c.expect);
    for (const d of diagnostics) expect(d.severity).toBe('error');
  });

  test('a broken document does not hide the others', () => {
    const text = `${GATEWAY}---\nkind: [\n---\n${istio('Gateway', '  servers: []\n', 'h')}`;
    const { resources, diagnostics } = parseOne(text);
    expect(resources.map((r) => r.metadata.name)).toEqual(['g', 'h']);
    expect(where(diagnostics)).toEqual(['YAML_SYNTAX@10:1']);
  });

  test('merge keys are resolved and merged fields point at the anchor', () => {
    const text = istio('DestinationRule', [
      '  host: a',
      '  subsets:',
      '  - name: v1',
      '    labels: &common',
      '      app: tcp-echo',
      '      version: v1',
      '  - name: v2',
      '    labels:',
      '      <<: *common',
      '      version: v2',
      '',
    ].join('\n'));
    const { resources, diagnostics } = parseOne(text);
    expect(diagnostics).toEqual([]);
    const dr = resources[0];
    if (dr?.kind !== 'DestinationRule') throw new Error('expected a DestinationRule');
    expect(dr.spec.subsets.map((s) => s.labels)).toEqual([
      { app: 'tcp-echo', version: 'v1' },
      { app: 'tcp-echo', version: 'v2' },
    ]);
    expect(dr.positions['spec.subsets[1].labels.app']).toEqual([10, 7]);
    expect(dr.positions['spec.subsets[1].labels.version']).toEqual([15, 7]);
  });

  test('raw is a JSON-safe tree: binary becomes base64, shared alias targets are copied', () => {
    const text = `${GATEWAY}status:\n  blob: !!binary aGVsbG8=\n  a: &a {x: 1}\n  b: *a\n  big: .inf\n`;
    const { resources, diagnostics } = parseOne(text);
    expect(diagnostics).toEqual([]);
    const raw = resources[0]?.raw as { status: Record<string, unknown> };
    expect(raw.status).toEqual({ blob: 'aGVsbG8=', a: { x: 1 }, b: { x: 1 }, big: null });
    expect(raw.status['a']).not.toBe(raw.status['b']);
    expect(JSON.parse(JSON.stringify(raw))).toEqual(raw);
  });

  test('an alias used where a value is expected is read through', () => {
    const text = istio('VirtualService', '  hosts: &h [tcp-echo]\n  gateways: *h\n  tcp: [{route: [{destination: {host: a}}]}]\n', 'vs');
    const { resources, diagnostics } = parseOne(text);
    expect(diagnostics).toEqual([]);
    expect(resources.map((r) => r.spec)).toEqual([expect.objectContaining({ hosts: ['tcp-echo'], gateways: ['tcp-echo'] })]);
    expect(resources[0]?.positions['spec.gateways[0]']).toEqual([6, 14]);
  });

  test('anchors do not reach into the next document', () => {
    const text = `${istio('VirtualService', '  hosts: &h [a]\n  tcp: [{route: [{destination: {host: a}}]}]\n', 'a')}---\n${istio('VirtualService', '  hosts: *h\n', 'b')}`;
    expect(where(parseOne(text).diagnostics)).toEqual(['YAML_SYNTAX@14:10']);
  });
});

/**
 * No wall-clock limits here (timings are unreliable on a shared machine, and slower still under
 * coverage or mutation): each input would take minutes or exhaust memory if expanded, so the code
 * asserted (a limit code, not a parse result) is the proof it was refused before expansion; the
 * jest timeout is the backstop.
 */

function codes(yaml: string): Code[] {
  return parseOne(yaml).diagnostics.map((d) => d.code);
}

describe('resource exhaustion is refused before anything is expanded', () => {
  const LAUGHS = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...'bcdefghi'.split('').map((c, i) => {
      const prev = 'abcdefgh'[i] ?? 'a';
      return `${c}: &${c} [${Array(9).fill(`*${prev}`).join(',')}]`;
    }),
    '',
  ].join('\n');

  test('billion laughs → YAML_ALIAS_LIMIT', () => {
    const { diagnostics, resources } = parseOne(LAUGHS);
    expect(where(diagnostics)).toEqual(['YAML_ALIAS_LIMIT@1:1']);
    expect(resources).toEqual([]);
  });

  test('billion laughs inside a skipped kind is still refused', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n${LAUGHS.replace(/^/gm, '  ')}`;
    expect(codes(text)).toEqual([Codes.YAML_ALIAS_LIMIT]);
  });

  test('more than 100 aliases in one document → YAML_ALIAS_LIMIT at the 101st', () => {
    const lines = ['a: &x v', ...Array.from({ length: 101 }, (_, i) => `b${i}: *x`), ''];
    expect(where(parseOne(lines.join('\n')).diagnostics)).toEqual(['YAML_ALIAS_LIMIT@102:7']);
  });

  test('aliases that copy a large node past the value budget → YAML_ALIAS_LIMIT', () => {
    const big = `a: &a [${Array(20_000).fill('x').join(',')}]\n`;
    const text = `${big}${Array.from({ length: 60 }, (_, i) => `b${i}: *a`).join('\n')}\n`;
    expect(where(parseOne(text).diagnostics)).toEqual(['YAML_ALIAS_LIMIT@1:1']);
  });

  test('at most 100 YAML problems are listed per file, then one summary', () => {
    const { diagnostics } = parseOne(']\n'.repeat(150));
    expect(diagnostics).toHaveLength(101);
    expect(new Set(diagnostics.map((d) => d.code))).toEqual(new Set([Codes.YAML_SYNTAX]));
    expect(diagnostics[100]?.line).toBeGreaterThan(100);
  });

  test('a file of ~1 MiB of anchors and aliases is refused', () => {
    let text = '';
    for (let i = 0; text.length < DEFAULT_LIMITS.maxFileBytes - 64; i++) text += `a${i}: &x${i} v\nb${i}: *x${i}\n`;
    expect(codes(text)).toEqual([Codes.YAML_ALIAS_LIMIT]);
  });

  test.each([
    ['flow sequences', '['.repeat(10_000) + ']'.repeat(10_000)],
    ['flow mappings', '{a: '.repeat(10_000) + '1' + '}'.repeat(10_000)],
    ['block sequences', `${'- '.repeat(10_000)}x\n`],
    ['nearly 1 MiB of brackets', '['.repeat(500_000) + ']'.repeat(500_000)],
  ])('10,000-deep %s → YAML_TOO_DEEP', (_, text) => {
    expect(codes(text)).toEqual([Codes.YAML_TOO_DEEP]);
  });

  test('block mappings nested 100 deep → YAML_TOO_DEEP at the first level too deep', () => {
    let text = '';
    for (let i = 0; i < 100; i++) text += `${' '.repeat(i)}k${i}:\n`;
    expect(where(parseOne(text).diagnostics)).toEqual([`YAML_TOO_DEEP@${MAX_DEPTH + 1}:${MAX_DEPTH + 1}`]);
  });

  test(`${MAX_DEPTH} levels are accepted, ${MAX_DEPTH + 1} are not`, () => {
    const nest = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect(codes(nest(MAX_DEPTH))).toEqual([Codes.DOC_NOT_MAPPING]);
    expect(where(parseOne(nest(MAX_DEPTH + 1)).diagnostics)).toEqual([`YAML_TOO_DEEP@1:${MAX_DEPTH + 1}`]);
  });

  test('a ~1 MiB flat mapping with a duplicate key at the end is read in linear time', () => {
    let text = `${GATEWAY}status:\n`;
    let i = 0;
    while (text.length < DEFAULT_LIMITS.maxFileBytes - 64) text += `  k${i++}: 1\n`;
    text += '  k0: 2\n';
    const { diagnostics } = parseOne(text);
    expect(errors(diagnostics).map((d) => d.code)).toEqual([Codes.YAML_DUPLICATE_KEY]);
  });

  test('~1 MiB of unknown fields is read in linear time', () => {
    let text = `${GATEWAY}  x0: 0\n`;
    let i = 1;
    while (text.length < DEFAULT_LIMITS.maxFileBytes - 64) text += `  x${i++}: ${i}\n`;
    const { diagnostics, resources } = parseOne(text);
    expect(resources).toHaveLength(1);
    expect(diagnostics).toHaveLength(i);
    expect(new Set(diagnostics.map((d) => d.code))).toEqual(new Set([Codes.FIELD_UNKNOWN]));
  });
});
