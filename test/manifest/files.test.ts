/** File-level rules: which files are read, symlinks, submodules, size caps, binary content, order. */
import { Codes } from '../../src/errors';
import { parseManifests } from '../../src/manifest/parse';
import type { ManifestFile } from '../../src/manifest/types';
import { file, istio } from './util';

const GW = (name: string): string => istio('Gateway', '  servers: []\n', name);
const LIMITS = { maxFileBytes: 200, maxTotalBytes: 500 };

function summary(files: readonly ManifestFile[], limits = LIMITS): { found: string[]; names: string[] } {
  const { resources, diagnostics } = parseManifests(files, limits);
  return {
    found: diagnostics.map((d) => `${d.file} ${d.code} ${d.severity} ${d.line}:${d.col}`),
    names: resources.map((r) => r.metadata.name),
  };
}

describe('file rules', () => {
  test('only .yaml and .yml files are read; others are ignored silently, whatever their content', () => {
    const files = [
      file('a.yaml', GW('a')),
      file('b.yml', GW('b')),
      file('README.md', 'not: [yaml'),
      file('c.json', '\u0000binary'),
      file('d.yaml.bak', GW('d')),
      file('e.YAML', GW('e')),
      { path: 'big.txt', type: 'file' as const, size: 10_000 },
    ];
    expect(summary(files)).toEqual({ found: [], names: ['a', 'b'] });
  });

  test('a symlink is an error whatever its name, and is never read', () => {
    const link = (path: string): ManifestFile => ({ path, type: 'symlink', size: 8, content: new TextEncoder().encode('[[[\u0000') });
    expect(summary([link('x.yaml'), link('docs/README'), file('a.yaml', GW('a'))])).toEqual({
      found: ['docs/README FILE_SYMLINK error 0:0', 'x.yaml FILE_SYMLINK error 0:0'],
      names: ['a'],
    });
  });

  test('a submodule is a warning', () => {
    expect(summary([{ path: 'vendor/istio', type: 'submodule', size: 0 }])).toEqual({
      found: ['vendor/istio SUBMODULE_SKIPPED warning 0:0'],
      names: [],
    });
  });

  test('a file over maxFileBytes is FILE_TOO_LARGE; one at the limit is read', () => {
    const atLimit = GW('a').padEnd(LIMITS.maxFileBytes, '#'); // a trailing comment
    expect(atLimit.length).toBe(LIMITS.maxFileBytes);
    expect(summary([file('a.yaml', atLimit), file('b.yaml', `${atLimit}#`)])).toEqual({
      found: ['b.yaml FILE_TOO_LARGE error 0:0'],
      names: ['a'],
    });
  });

  test('a size over the cap is trusted even when the content is shorter', () => {
    expect(summary([{ ...file('a.yaml', GW('a')), size: LIMITS.maxFileBytes + 1 }]).found).toEqual(['a.yaml FILE_TOO_LARGE error 0:0']);
  });

  test('a regular file without content is FILE_TOO_LARGE', () => {
    expect(summary([{ path: 'a.yaml', type: 'file', size: 10 }]).found).toEqual(['a.yaml FILE_TOO_LARGE error 0:0']);
  });

  test('COMMIT_TOO_LARGE once, on the file where the total is crossed; later files are not read', () => {
    const f = (name: string): ManifestFile => file(`${name}.yaml`, GW(name).padEnd(190, '#'));
    // 190 + 190 = 380 <= 500 < 570: crossed at c.yaml. Given out of order on purpose.
    const files = [f('d'), f('c'), file('notes.md', 'x'.repeat(1000)), f('a'), f('b')];
    expect(summary(files)).toEqual({ found: ['c.yaml COMMIT_TOO_LARGE error 0:0'], names: ['a', 'b'] });
  });

  test('over the commit cap, files a source handed over without content are COMMIT_TOO_LARGE only (no FILE_TOO_LARGE)', () => {
    // What the Git and folder sources hand over past maxTotalBytes: sizes, no content.
    const sized = (name: string, size: number): ManifestFile => ({ path: `${name}.yaml`, type: 'file', size });
    expect(summary([sized('a', 190), sized('b', 190), sized('c', 190), sized('d', 201)]).found).toEqual([
      'c.yaml COMMIT_TOO_LARGE error 0:0',
    ]);
    // Under the commit cap, a file without content is still reported.
    expect(summary([sized('a', 190)]).found).toEqual(['a.yaml FILE_TOO_LARGE error 0:0']);
  });

  test('a NUL byte is FILE_BINARY', () => {
    expect(summary([file('a.yaml', `${GW('a')}\u0000`)]).found).toEqual(['a.yaml FILE_BINARY error 0:0']);
  });

  test('invalid UTF-8 is FILE_BINARY', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('kind: '), 0xff, 0xfe, 0x0a]);
    expect(summary([file('a.yaml', bytes)]).found).toEqual(['a.yaml FILE_BINARY error 0:0']);
  });

  test('a UTF-8 byte order mark and CRLF line ends are accepted, positions unchanged', () => {
    const text = `\uFEFF${istio('Gateway', '  servers:\n  - {port: {number: 1, name: tcp, protocol: TCP}, hosts: ["*"]}\n', 'a')}`.replace(/\n/g, '\r\n');
    const { resources, diagnostics } = parseManifests([file('a.yaml', text)]);
    expect(diagnostics).toEqual([]);
    expect(resources[0]?.positions['spec.servers[0]']).toEqual([7, 5]);
  });

  test('files are read in path order and documents in order, whatever order they are given in', () => {
    const files = [
      file('b/z.yaml', `${GW('b1')}---\n${GW('b2')}`),
      file('a.yaml', GW('a')),
      file('b/a.yaml', `${GW('ba')}\nextra: 1\n`),
      file('B.yaml', GW('upper')),
    ];
    const { resources, diagnostics } = parseManifests(files);
    expect(resources.map((r) => `${r.file}:${r.metadata.name}`)).toEqual(['B.yaml:upper', 'a.yaml:a', 'b/a.yaml:ba', 'b/z.yaml:b1', 'b/z.yaml:b2']);
    expect(diagnostics.map((d) => [d.file, d.code])).toEqual([['b/a.yaml', Codes.FIELD_UNKNOWN]]);
    expect(parseManifests([...files].reverse())).toEqual(parseManifests(files));
  });

  test('every problem of every file is returned at once', () => {
    const files = [
      { path: 'l.yaml', type: 'symlink' as const, size: 1 },
      file('a.yaml', 'a: [\n'),
      file('b.yaml', istio('VirtualService', '  tcp:\n  - route:\n    - destination: {host: a}\n      weight: x\n  hosts: [a]\n')),
      file('c.yaml', '---\n'),
    ];
    const { diagnostics } = parseManifests(files);
    expect(diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual([
      'a.yaml YAML_SYNTAX',
      'b.yaml FIELD_TYPE',
      'c.yaml DOC_EMPTY',
      'l.yaml FILE_SYMLINK',
    ]);
  });
});
