/**
 * Fuzz: seeded mutations of the sample manifests through parse → validate → compile → diff → render
 * (and the text and GitHub formats of every diagnostic). The only allowed outcomes are a table that
 * serves (every endpoint a real port) or diagnostics (each with a known code and a position in its
 * file); any throw is a failure. `npm test` runs a few thousand iterations with a fixed seed;
 * `npm run fuzz` runs more (FUZZ_ITERATIONS, default 50000) with a fresh seed unless FUZZ_SEED is set.
 * A failure names the iteration's seed: `FUZZ_SEED=<seed> FUZZ_ITERATIONS=1 npm run fuzz` replays it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffJson, renderDiff, type DiffReport } from '../../src/cli/diff-view';
import { githubAnnotation } from '../../src/cli/github-annotation';
import { diff } from '../../src/diff/diff';
import { renderChanges, summarizeChanges } from '../../src/diff/render';
import { Codes, formatDiagnostic, type Diagnostic } from '../../src/errors';
import { entryKey, socketOf } from '../../src/model/address';
import { buildDesired } from '../../src/model/desired';
import { DEFAULT_COMPILE_OPTIONS, type RoutingTable } from '../../src/model/types';
import { EXAMPLE_DIR, example8020, manifestFiles } from '../helpers/manifests';
import { mulberry32 } from '../helpers/rng';
import { mutate, protoVariants } from './mutate';
import { RICH } from './rich';
import { RICH_TLS } from './rich-tls';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 1000);
const SEED = Number(process.env.FUZZ_SEED ?? (process.env.FUZZ_ITERATIONS ? Date.now() % 2 ** 31 : 20261201));

const SAMPLES = join(__dirname, '..', 'fixtures', 'manifest', 'istio-samples');
/** The walkthrough's ServiceEntry form (before config-repo-example moved to WorkloadEntries). */
const SE_FORM = join(__dirname, '..', 'fixtures', 'serviceentry-form');
/** The walkthrough's Gateway API form. */
const GW_FORM = join(__dirname, '..', 'fixtures', 'gateway-api-form');
const read = (dir: string, names: string[]): Record<string, string> =>
  Object.fromEntries(names.map((n) => [n, readFileSync(join(dir, n), 'utf8')]));

/** Sets of files that are valid as they are; each iteration mutates one file of one set. */
const CORPUS: readonly Record<string, string>[] = [
  read(join(EXAMPLE_DIR, 'manifests'), ['tcp-echo-all-v1.yaml', 'tcp-echo-workloads.yaml', 'tcp-echo-services.yaml']),
  example8020(),
  // Istio and Gateway API forms in one repo (the Gateway API one moved off 31400, which the Istio Gateway holds).
  {
    ...read(SAMPLES, ['tcp-echo-all-v1.yaml']), ...read(SE_FORM, ['tcp-echo-serviceentry.yaml']), ...read(join(EXAMPLE_DIR, 'manifests'), ['tcp-echo-workloads.yaml']),
    'gateway-api-tcp-echo-all-v1.yaml': readFileSync(join(SAMPLES, 'gateway-api-tcp-echo-all-v1.yaml'), 'utf8').replace(/31400/g, '31401'),
  },
  read(join(GW_FORM, 'manifests'), ['gateway-api-tcp-echo-all-v1.yaml', 'tcp-echo-services.yaml', 'tcp-echo-workloads.yaml']),
  RICH,
  RICH_TLS,
];

const CODES = new Set<string>(Object.values(Codes));
/** Findings about a whole file (or the tree): line 0. */
const FILE_LEVEL = new Set<string>([Codes.FILE_TOO_LARGE, Codes.COMMIT_TOO_LARGE, Codes.FILE_BINARY, Codes.FILE_SYMLINK, Codes.PATH_NOT_FOUND, Codes.SUBMODULE_SKIPPED]);
const OPTS = { ...DEFAULT_COMPILE_OPTIONS, listenHost: '127.0.0.1' };
/** The longest delay a Node timer holds. */
const TIMER_MAX = 2 ** 31 - 1;

const baseTables = CORPUS.map((files) => {
  const d = buildDesired(manifestFiles(files), OPTS);
  if (!d.ok) throw new Error(`corpus set is invalid: ${d.diagnostics.map(formatDiagnostic).join('; ')}`);
  return d.table;
});

function checkDiagnostic(d: Diagnostic, files: Record<string, string>): void {
  if (!CODES.has(d.code)) throw new Error(`unknown code ${String(d.code)}`);
  if (d.severity !== 'error' && d.severity !== 'warning') throw new Error(`bad severity ${String(d.severity)}`);
  if (typeof d.message !== 'string' || d.message === '') throw new Error('empty message');
  if (!Object.hasOwn(files, d.file)) throw new Error(`diagnostic names a file that is not in the commit: ${d.file}`);
  const lines = files[d.file]!.split(/\r\n|\r|\n/).length;
  const atFile = FILE_LEVEL.has(d.code);
  if (!Number.isInteger(d.line) || !Number.isInteger(d.col)) throw new Error(`position is not a number: ${String(d.line)}:${String(d.col)}`);
  if (!atFile && (d.line < 1 || d.col < 1)) throw new Error(`${d.code} has no position (${d.line}:${d.col})`);
  if (d.line > lines + 1) throw new Error(`${d.code} at line ${d.line} of a ${lines}-line file`);
  if (d.related && (!Number.isInteger(d.related.line) || !Number.isInteger(d.related.col))) throw new Error('related position is not a number');
  formatDiagnostic(d);
  githubAnnotation(d);
}

const isPort = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65535;
const isTimer = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= TIMER_MAX;

/** A table the proxy can serve: real ports, endpoints behind every weighted destination, timers Node can hold. */
function checkTable(t: RoutingTable): void {
  if (!Object.isFrozen(t)) throw new Error('table is not frozen');
  JSON.parse(JSON.stringify(t));
  if (new Set(t.listeners.map((l) => l.key)).size !== t.listeners.length) throw new Error('two listener entries with one key');
  for (const l of t.listeners) {
    // The shared shapes: an SNI entry's key is entryKey(address, port, sni), and every entry of a socket agrees on `tls`.
    if (l.key !== entryKey(l.address, l.port, l.sni)) throw new Error(`entry ${l.key} is not keyed by entryKey`);
    if (t.listeners.some((o) => socketOf(o) === socketOf(l) && o.tls !== l.tls)) throw new Error(`socket ${socketOf(l)} mixes tls and plain entries`);
    if (!isPort(l.port) || typeof l.address !== 'string') throw new Error(`listener ${l.key} has no real port`);
    for (const d of l.route.destinations) {
      if (!Number.isFinite(d.weight) || d.weight < 0) throw new Error(`destination ${d.key} weight ${d.weight}`);
      if (d.weight > 0 && d.endpoints.length === 0) throw new Error(`destination ${d.key} takes connections but has no endpoint`);
      for (const e of d.endpoints) {
        if (!isPort(e.port) || typeof e.address !== 'string' || e.address === '') throw new Error(`endpoint ${String(e.key)} of ${d.key} has no real port: ${String(e.port)}`);
      }
      const p = d.policy;
      const ka = p.tcpKeepalive;
      const od = p.outlierDetection;
      const timers = [p.connectTimeoutMs, p.idleTimeoutMs, ka?.timeMs ?? 0, ka?.intervalMs ?? 0, od?.intervalMs ?? 0, od?.baseEjectionTimeMs ?? 0];
      if (!timers.every(isTimer)) throw new Error(`destination ${d.key} has a timer Node cannot hold: ${timers.join(',')}`);
    }
  }
}

/** One pass through everything a commit goes through; throws on any broken invariant; true when a table came out. */
function pipeline(files: Record<string, string>, base: RoutingTable): boolean {
  const d = buildDesired(manifestFiles(files), OPTS);
  for (const x of d.diagnostics) checkDiagnostic(x, files);
  const side = { ref: 'x', revision: null };
  if (!d.ok) {
    if (!d.diagnostics.some((x) => x.severity === 'error')) throw new Error('rejected without an error');
    const report: DiffReport = { ok: false, base: side, head: side, invalid: 'head', diagnostics: d.diagnostics };
    renderDiff(report);
    JSON.stringify(diffJson(report));
    return false;
  }
  checkTable(d.table);
  for (const [a, b] of [[null, d.table], [base, d.table], [d.table, base]] as const) {
    const changes = diff(a, b);
    if (renderChanges(changes).length !== changes.length) throw new Error('a change rendered to several lines');
    summarizeChanges(changes);
    const report: DiffReport = { ok: true, base: side, head: side, changes };
    for (const line of renderDiff(report)) if (/[\r\n\u2028\u2029]/.test(line)) throw new Error(`rendered line breaks: ${JSON.stringify(line)}`);
    JSON.stringify(diffJson(report));
  }
  return true;
}

/** Runs `files` through the pipeline; a failure names how to replay it. */
function runOrExplain(files: Record<string, string>, base: RoutingTable, name: string, replay: string): boolean {
  try {
    return pipeline(files, base);
  } catch (e) {
    const err = e as Error;
    throw new Error(`fuzz failure (${replay})\n${err.stack ?? err.message}\n--- mutated ${name} ---\n${files[name]!.slice(0, 4000)}`);
  }
}

test('every name and map key of the corpus, replaced by each prototype name, gives a table or diagnostics', () => {
  let runs = 0;
  CORPUS.forEach((set, s) => {
    for (const name of Object.keys(set)) {
      for (const text of protoVariants(set[name]!)) {
        runOrExplain({ ...set, [name]: text }, baseTables[s]!, name, `corpus set ${s}, variant ${runs}`);
        runs++;
      }
    }
  });
  expect(runs).toBeGreaterThan(100);
  if (process.env.FUZZ_ITERATIONS) process.stdout.write(`fuzz: ${runs} prototype-name variants\n`);
});

test(`fuzz: ${ITERATIONS} mutations of the sample manifests (seed ${SEED}) give a table or positioned, coded diagnostics`, () => {
  const outcomes = { table: 0, rejected: 0 };
  for (let i = 0; i < ITERATIONS; i++) {
    const seed = (SEED + i) % 2 ** 31;
    const rnd = mulberry32(seed);
    const set = Math.floor(rnd() * CORPUS.length);
    const files = { ...CORPUS[set]! };
    const names = Object.keys(files);
    const name = names[Math.floor(rnd() * names.length)]!;
    files[name] = mutate(rnd, files[name]!);
    const replay = `iteration ${i}; replay with FUZZ_SEED=${seed} FUZZ_ITERATIONS=1 npm run fuzz`;
    if (runOrExplain(files, baseTables[set]!, name, replay)) outcomes.table++;
    else outcomes.rejected++;
  }
  if (process.env.FUZZ_ITERATIONS) process.stdout.write(`fuzz seed ${SEED}: ${outcomes.table} tables, ${outcomes.rejected} rejected\n`);
  // The mutator must reach both outcomes, or the test says little.
  expect(outcomes.table).toBeGreaterThan(0);
  expect(outcomes.rejected).toBeGreaterThan(0);
}, Math.max(20_000, ITERATIONS * 50));
