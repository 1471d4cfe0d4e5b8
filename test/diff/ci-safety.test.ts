/**
 * Everything tcpshift writes into CI is safe for it, whatever a manifest holds: `tcpshift diff` lines,
 * diagnostics, `validate --format github` annotations and the PR comment the example workflow builds.
 * Names are validated (FIELD_NAME), and each output escapes on its own as well (defence in depth).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compare } from '../../src/cli/diff';
import { renderDiff } from '../../src/cli/diff-view';
import { githubAnnotation } from '../../src/cli/github-annotation';
import { renderChanges } from '../../src/diff/render';
import type { Change, DestinationRef } from '../../src/diff/types';
import { Codes, formatDiagnostic, type Diagnostic } from '../../src/errors';
import { DEFAULT_LIMITS } from '../../src/manifest/types';
import { DEFAULT_COMPILE_OPTIONS } from '../../src/model/types';
import { EXAMPLE_DIR, exampleManifests, manifestFiles } from '../helpers/manifests';

/** Any character that can end a line, hide text or reorder it in a log or a rendered comment. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/;
const EVIL = ['gw\n::error file=x::INJECTED', 'a\r\n```\n# heading', '\u001b[31mred', 'x\u2028y', 'abc\u202Edcb', 'tab\there'];

function dest(host: string, subset: string | null): DestinationRef {
  return { key: `${host}|${subset ?? ''}|9000`, host, subset, port: 9000 };
}

/** One change of every kind, every user string set to `s`. */
function everyChange(s: string): Change[] {
  const d = dest(s, s);
  return [
    { type: 'listener-added', listener: s, gateway: s, portName: s, virtualService: s, rule: 0, destinations: [{ ...d, weight: 1, percent: 100 }, { ...dest(s, null), weight: 0, percent: 0 }] },
    { type: 'listener-removed', listener: `${s}-2`, gateway: s },
    { type: 'route-changed', listener: `${s}-3`, virtualService: { old: s, new: `${s}b` }, rule: { old: 0, new: 1 }, gateway: { old: s, new: `${s}b` }, portName: { old: s, new: `${s}b` } },
    { type: 'weights-changed', listener: `${s}-4`, destinations: [{ ...d, change: 'changed', oldPercent: 100, newPercent: 50, oldWeight: 1, newWeight: 1 }, { ...dest(s, `${s}2`), change: 'added', oldPercent: 0, newPercent: 50, oldWeight: 0, newWeight: 1 }] },
    { type: 'endpoints-changed', listener: `${s}-5`, destination: d, added: [s], removed: [s], changed: [s] },
    { type: 'policy-changed', listener: `${s}-6`, destination: d, fields: [{ field: 'loadBalancer', old: 'ROUND_ROBIN', new: 'RANDOM' }] },
  ];
}

describe.each(EVIL)('user string %j', (s) => {
  test('every diff line stays one line with no control character', () => {
    const changes = everyChange(s);
    const lines = renderChanges(changes);
    expect(lines).toHaveLength(changes.length);
    for (const line of lines) {
      expect(line).not.toMatch(UNSAFE);
      expect(line).toMatch(/^[-+~] /);
    }
  });

  test('a diagnostic in text and as a GitHub annotation stays one line', () => {
    const d: Diagnostic = { severity: 'error', code: Codes.FIELD_NAME, message: `metadata.name ${s}`, file: `m,${s}:x.yaml`, line: 3, col: 5, related: { file: s, line: 1, col: 1 } };
    expect(formatDiagnostic(d)).not.toMatch(UNSAFE);
    const a = githubAnnotation(d);
    expect(a).not.toMatch(/[\r\n]/);
    // The properties end at the first `::`; the file keeps its commas and colons escaped as the toolkit does.
    const [head] = a.split('::').slice(1);
    expect(head).toMatch(/^error file=[^,:]*,line=3,col=5,title=tcpshift FIELD_NAME$/);
  });
});

test('an annotation escapes `%`, CR, LF, `:` and `,` exactly as @actions/core does', () => {
  const d: Diagnostic = { severity: 'warning', code: Codes.FIELD_UNKNOWN, message: '100% a,b:c', file: 'dir/a,b:c%.yaml', line: 0, col: 0 };
  expect(githubAnnotation(d)).toBe('::warning file=dir/a%2Cb%3Ac%25.yaml,title=tcpshift FIELD_UNKNOWN::FIELD_UNKNOWN: 100%25 a,b:c');
});

test('`tcpshift diff` of a Gateway named with a workflow command prints no line a runner would read as one', () => {
  const base = exampleManifests();
  const head = { ...base };
  head['tcp-echo-all-v1.yaml'] = head['tcp-echo-all-v1.yaml']!.replace(/tcp-echo-gateway/g, '"gw\\n::error file=x::INJECTED"');
  const loaded = (files: Record<string, string>, ref: string) => ({ side: { ref, revision: null }, files: manifestFiles(files), missing: null });
  const report = compare(loaded(base, 'base'), loaded(head, 'head'), DEFAULT_COMPILE_OPTIONS, DEFAULT_LIMITS);
  expect(report.ok).toBe(false);
  if (!report.ok) expect(report.diagnostics.map((d) => d.code)).toContain(Codes.FIELD_NAME);
  for (const line of renderDiff(report)) {
    expect(line).not.toMatch(UNSAFE);
    expect(line).not.toMatch(/^\s*::/);
  }
});

// ---- the PR comment the example workflow posts

interface Step { uses?: string; env?: Record<string, string>; with?: Record<string, unknown> }
const workflow = parse(readFileSync(join(EXAMPLE_DIR, '.github', 'workflows', 'tcpshift.yaml'), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
const commentStep = Object.values(workflow.jobs)[0]!.steps.find((s) => s.uses?.startsWith('actions/github-script@'))!;

/** Runs the workflow's github-script with `diffText` as tcpshift-diff.txt; returns the comment body it posts. */
async function commentBody(diffText: string): Promise<string> {
  const bodies: string[] = [];
  const listComments = async () => ({ data: [] });
  const github = {
    paginate: async () => [],
    rest: { issues: { listComments, createComment: async (a: { body: string }) => void bodies.push(a.body), updateComment: async () => undefined } },
  };
  const context = { repo: { owner: 'o', repo: 'r' }, issue: { number: 1 } };
  const req = (m: string) => {
    if (m !== 'fs') throw new Error(`unexpected require ${m}`);
    return { readFileSync: () => diffText };
  };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...a: string[]) => (...v: unknown[]) => Promise<void>;
  await new AsyncFunction('require', 'github', 'context', String(commentStep.with?.script))(req, github, context);
  expect(bodies).toHaveLength(1);
  return bodies[0]!;
}

/** The lines inside the body's code block, and whether anything could close the block before its real end. */
function fenced(body: string): { inner: string[]; closedEarly: boolean } {
  const lines = body.split('\n');
  const open = lines.findIndex((l) => /^`{3,}diff$/.test(l));
  expect(open).toBeGreaterThan(0);
  const fence = /^(`+)/.exec(lines[open]!)![1]!;
  const rest = lines.slice(open + 1);
  // CommonMark: a closing fence is up to 3 spaces, then at least as many backticks as the opening, then only spaces.
  const close = rest.findIndex((l) => new RegExp(`^ {0,3}\`{${fence.length},}\\s*$`).test(l));
  const last = rest.lastIndexOf(fence);
  return { inner: rest.slice(0, last), closedEarly: close !== last };
}

test.each([
  ['a line of three backticks', '--- a\n+++ b\n  ```\n# injected heading\n  ```'],
  ['a line of four backticks', '--- a\n+++ b\n````\n[click](https://example.com)'],
  ['a long run mid-line', '~ 0.0.0.0:1 tcp-echo ``````````` v1 50%'],
])('the comment keeps %s inside its code block', async (_name, diffText) => {
  const body = await commentBody(diffText);
  const { inner, closedEarly } = fenced(body);
  expect(closedEarly).toBe(false);
  expect(inner.join('\n')).toBe(diffText);
});

test('a diff over GitHub\'s comment size is cut, never refused', async () => {
  const body = await commentBody(`--- a\n+++ b\n${'~ 0.0.0.0:31400 tcp-echo v1 100% → 80%\n'.repeat(5000)}`);
  expect(body.length).toBeLessThan(65536);
  expect(fenced(body).closedEarly).toBe(false);
});
