/**
 * `tcpshift diff BASE HEAD`: what applying HEAD over BASE would change, computed with the reconciler's
 * own build (parse, validate, compile) and diff. Two folders, two revisions of a local repository
 * (`--repo . origin/main HEAD --path manifests`, the pull-request check), or `--live DIR`: a working
 * folder against what a running instance serves. Exit codes are diff(1)'s: 0 same, 1 differences, 2 trouble.
 */
import { Command, Option } from 'commander';
import { diff } from '../diff/diff';
import { ParseCache } from '../manifest/cache';
import { DEFAULT_LIMITS, type ManifestFile, type ReadLimits } from '../manifest/types';
import { buildDesired } from '../model/desired';
import type { CompileOptions, RoutingTable } from '../model/types';
import { LocalRepo } from '../source/revision';
import { addCompileOptions, compileOptions, readLimits, type CompileFlags } from './compile-options';
import { loadLive } from './diff-live';
import { diffJson, renderDiff, type DiffReport, type DiffSide } from './diff-view';
import { adminUrl } from './options';
import { formatData, isDataFormat, outputOption } from './output';
import { readPaths } from './validate';

interface DiffFlags extends CompileFlags {
  repo?: string; path?: string; json?: boolean; output: string; live?: boolean; admin: string;
}

/** Files of one side, with paths as the user knows them; `missing` = the `--path` absent from that revision. */
interface Loaded {
  readonly side: DiffSide;
  readonly files: readonly ManifestFile[];
  readonly missing: string | null;
}

/** Exit codes, as diff(1): 0 no differences, 1 differences, 2 trouble (an invalid side, a revision or folder that does not exist). */
export const DIFF_EXIT = { same: 0, changed: 1, trouble: 2 } as const;

/** Adds the `diff` command. */
export function registerDiff(program: Command): void {
  const cmd = program.command('diff')
    .description('what applying HEAD over BASE would change: two folders, two revisions with --repo, or --live DIR against a running instance (exit 0 same, 1 changes, 2 trouble, as diff(1))')
    .argument('<base>', 'folder, or with --repo a revision (e.g. origin/main); with --live: the folder (or revision) to apply')
    .argument('[head]', 'folder, or with --repo a revision (e.g. HEAD)')
    .addOption(new Option('--repo <path>', 'local Git repository: BASE and HEAD are revisions of it (branches, tags, origin/main, SHAs)'))
    .addOption(new Option('--path <subdir>', 'with --repo: sub-folder holding the manifests').default(''))
    .addOption(new Option('--live', 'compare against what the running instance at --admin serves (GET /config)'))
    .addOption(new Option('--admin <host:port>', 'with --live: admin API address').default('127.0.0.1:15000').env('TCPSHIFT_ADMIN'))
    .addOption(outputOption(['text', 'json', 'yaml']))
    .addOption(new Option('--json', 'same as -o json'))
    // A usage mistake (a missing argument, an unknown flag) is trouble too: 2, as diff(1); --help stays 0.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : DIFF_EXIT.trouble));
  addCompileOptions(cmd).action(async (first: string, second: string | undefined, flags: DiffFlags) => {
    const format = flags.json ? 'json' : flags.output;
    const [baseArg, headArg] = flags.live ? [`live ${flags.admin}`, first] : [first, second];
    const limits = readLimits(flags);
    let report: DiffReport;
    try {
      if (flags.live && second !== undefined) throw new Error('--live takes one folder (or, with --repo, one revision): what to apply');
      if (headArg === undefined) throw new Error('give BASE and HEAD (or --live and one folder)');
      if (flags.path && !flags.repo) throw new Error('--path needs --repo; to compare sub-folders, give them as BASE and HEAD');
      const head = flags.repo ? await loadRevision(flags.repo, flags.path ?? '', headArg, limits) : await loadDir(headArg, limits);
      const base = flags.live ? { ...(await loadLive(adminUrl(flags.admin), flags.admin)), missing: null }
        : flags.repo ? await loadRevision(flags.repo, flags.path ?? '', baseArg, limits) : await loadDir(baseArg, limits);
      report = compare(base, head, compileOptions(flags), limits);
    } catch (err) {
      const message = (err as Error).message;
      const side = (ref: string | undefined): DiffSide => ({ ref: ref ?? '', revision: null });
      if (isDataFormat(format)) process.stdout.write(formatData(format, diffJson({ base: side(baseArg), head: side(headArg), error: message })));
      process.stderr.write(`error: ${message}\n`);
      process.exit(DIFF_EXIT.trouble);
    }
    process.stdout.write(isDataFormat(format) ? formatData(format, diffJson(report)) : `${renderDiff(report).join('\n')}\n`);
    process.exit(!report.ok ? DIFF_EXIT.trouble : report.changes.length > 0 ? DIFF_EXIT.changed : DIFF_EXIT.same);
  });
}

/** Builds both sides as the reconciler would and diffs them; a BASE without the `--path` folder counts as serving nothing. */
export function compare(base: Loaded, head: Loaded, opts: CompileOptions, limits: ReadLimits): DiffReport {
  const sides = { base: base.side, head: head.side };
  // One parse cache for both sides: a file the two revisions share (same path, same blob) is parsed once.
  const cache = new ParseCache();
  let before: RoutingTable | null = null;
  if (base.missing === null) {
    const b = buildDesired(base.files, opts, limits, { cache });
    if (!b.ok) return { ok: false, ...sides, invalid: 'base', diagnostics: b.diagnostics };
    before = b.table;
  }
  const h = buildDesired({ files: head.files, ...(head.missing !== null ? { missingPath: head.missing } : {}) }, opts, limits, { cache });
  if (!h.ok) return { ok: false, ...sides, invalid: 'head', diagnostics: h.diagnostics };
  return { ok: true, ...sides, changes: diff(before, h.table), desired: h.table };
}

async function loadDir(dir: string, limits: ReadLimits): Promise<Loaded> {
  return { side: { ref: dir, revision: null }, files: await readPaths([dir], limits), missing: null };
}

/** Resolves and reads one revision of the repository; file paths get the sub-path back, as in the repo. */
async function loadRevision(repoPath: string, subPath: string, rev: string, limits: ReadLimits): Promise<Loaded> {
  const repo = new LocalRepo(repoPath, { path: subPath, limits });
  const sha = await repo.resolve(rev);
  const snap = await repo.read(sha);
  return { side: { ref: rev, revision: sha }, files: snap.files, missing: snap.missingPath === undefined ? null : repo.subPath };
}
