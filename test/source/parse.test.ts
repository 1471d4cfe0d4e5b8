/** Pure helpers of src/source: plumbing parsers, redaction, sub-paths, local-vs-remote. Table-driven. */
import { isoDate, parseBatch, parseCommit, parseLsTree } from '../../src/source/git-parse';
import { looksCorrupt } from '../../src/source/git-cache';
import { localRepoPath } from '../../src/source/git-local';
import { isManifestName, normalizeSubPath, underSubPath } from '../../src/source/paths';
import { redact } from '../../src/source/redact';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('redact', () => {
  test.each([
    ['https://user:tok3n@host/org/repo.git', 'https://***@host/org/repo.git'],
    ['https://ghp_abc123@github.com/o/r', 'https://***@github.com/o/r'],
    ["fatal: unable to access 'https://u:p@h.example/r/': 403", "fatal: unable to access 'https://***@h.example/r/': 403"],
    ['https://u:p@ss@host/r', 'https://***@host/r'],
    ['two http://a:b@x/1 and ssh://git@y/2', 'two http://***@x/1 and ssh://***@y/2'],
    ['https://host/no-creds.git', 'https://host/no-creds.git'],
    ['git@github.com:org/repo.git', 'git@github.com:org/repo.git'],
    ['mail me at a@b.c', 'mail me at a@b.c'],
    ['', ''],
  ])('%s', (input, want) => {
    expect(redact(input)).toBe(want);
  });
});

describe('parseLsTree', () => {
  test('modes, sizes, paths with spaces, tabs and newlines', () => {
    const out =
      `100644 blob ${A}      12\ta b.yaml\0` +
      `120000 blob ${B}       6\tdir/link\0` +
      `160000 commit ${A}       -\tsub\0` +
      `100755 blob ${B} 1048577\tweird\tname\n.yml\0`;
    expect(parseLsTree(out)).toEqual([
      { mode: '100644', type: 'blob', object: A, size: 12, path: 'a b.yaml' },
      { mode: '120000', type: 'blob', object: B, size: 6, path: 'dir/link' },
      { mode: '160000', type: 'commit', object: A, size: 0, path: 'sub' },
      { mode: '100755', type: 'blob', object: B, size: 1048577, path: 'weird\tname\n.yml' },
    ]);
  });
  test.each([[''], ['\0']])('empty listing %j', (out) => expect(parseLsTree(out)).toEqual([]));
  test('garbage throws', () => expect(() => parseLsTree('nonsense\0')).toThrow());
});

describe('parseBatch', () => {
  test('binary-safe split, missing objects', () => {
    const bin = Buffer.from([0, 10, 255, 10, 13]);
    const out = Buffer.concat([
      Buffer.from(`${A} blob ${bin.length}\n`),
      bin,
      Buffer.from('\n'),
      Buffer.from(`${B} missing\n`),
      Buffer.from(`${B} blob 0\n\n`),
    ]);
    const objs = parseBatch(out);
    expect(objs.map((o) => [o.name, o.type, o.content && [...o.content]])).toEqual([
      [A, 'blob', [0, 10, 255, 10, 13]],
      [B, 'missing', null],
      [B, 'blob', []],
    ]);
  });
  test.each([
    ['truncated body', Buffer.from(`${A} blob 10\nabc`)],
    ['truncated header', Buffer.from(`${A} blob`)],
    ['bad size', Buffer.from(`${A} blob x\n\n`)],
  ])('%s throws', (_name, out) => expect(() => parseBatch(out)).toThrow());
});

describe('parseCommit / isoDate', () => {
  const commit = (message: string, tz = '+0200') =>
    Buffer.from(
      `tree ${A}\nparent ${B}\nauthor Jane Q. Doe <jane@example.com> 1700000000 ${tz}\n` +
        `committer C <c@example.com> 1700000001 +0000\ngpgsig -----BEGIN-----\n sig line\n -----END-----\n\n${message}`,
    );
  test.each([
    ['one line', 'Move 20% to v2\n', 'Move 20% to v2'],
    ['with body', 'Title here\n\nBody text\nmore\n', 'Title here'],
    ['two-line title', 'first\nsecond\n\nbody\n', 'first second'],
    ['empty', '', ''],
  ])('%s', (_name, message, subject) => {
    expect(parseCommit(commit(message))).toEqual({ author: 'Jane Q. Doe', date: '2023-11-15T00:13:20+02:00', subject });
  });
  test.each([
    [1700000000, '+0000', '2023-11-14T22:13:20+00:00'],
    [1700000000, '-0530', '2023-11-14T16:43:20-05:30'],
    [0, '+0100', '1970-01-01T01:00:00+01:00'],
  ])('isoDate(%d, %s)', (epoch, tz, want) => expect(isoDate(epoch, tz)).toBe(want));
});

describe('paths', () => {
  test.each([
    ['a.yaml', true],
    ['d/b.yml', true],
    ['x.json', false],
    ['yaml', false],
    ['a.yaml.bak', false],
  ])('isManifestName(%s)', (p, want) => expect(isManifestName(p)).toBe(want));
  test.each([
    ['', ''],
    ['.', ''],
    ['/', ''],
    ['./deploy/', 'deploy'],
    ['/a//b/', 'a/b'],
  ])('normalizeSubPath(%j)', (p, want) => expect(normalizeSubPath(p)).toBe(want));
  test('normalizeSubPath rejects ..', () => expect(() => normalizeSubPath('a/../../b')).toThrow());
  test.each([
    ['deploy/a.yaml', 'deploy', 'a.yaml'],
    ['deploy/x/a.yaml', 'deploy', 'x/a.yaml'],
    ['deploy2/a.yaml', 'deploy', null],
    ['a.yaml', '', 'a.yaml'],
    ['deploy', 'deploy', 'deploy'],
    ['x/deploy', 'x/deploy', 'deploy'],
  ])('underSubPath(%s, %s)', (p, prefix, want) => expect(underSubPath(p, prefix)).toBe(want));
});

describe('localRepoPath', () => {
  test.each([
    ['/srv/repo', '/srv/repo'],
    ['file:///srv/repo.git', '/srv/repo.git'],
    ['https://host/repo.git', null],
    ['ssh://git@host/repo.git', null],
    ['git@github.com:org/repo.git', null],
    ['host:repo', null],
  ])('%s', (repo, want) => expect(localRepoPath(repo)).toBe(want));
  test('relative paths resolve against the working directory', () => {
    expect(localRepoPath('some/dir')).toBe(`${process.cwd()}/some/dir`);
  });
});

describe('looksCorrupt', () => {
  test.each([
    ['fatal: bad object refs/remotes/origin/main', true],
    [`fatal: loose object ${A} (stored in x) is corrupt`, true],
    ['error: inflate: data stream error (incorrect header check)', true],
    ["fatal: '/nonexistent' does not appear to be a git repository", false],
    ["fatal: unable to access 'https://h/r/': Could not resolve host: h", false],
    ["fatal: couldn't find remote ref refs/heads/x", false],
  ])('%s', (msg, want) => expect(looksCorrupt(msg)).toBe(want));
});
