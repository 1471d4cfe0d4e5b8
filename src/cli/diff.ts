/**
 * `tcpshift diff BASE HEAD`: what applying HEAD over BASE would change, computed with the reconciler's
 * own build (parse, validate, compile) and diff. Two folders, or two revisions of a local repository
 * (`--repo . origin/main HEAD --path manifests`, the pull-request check). Exit 0 = no changes,
 * 2 = changes, 1 = invalid input, like `git diff --exit-code`.
 */
import { Command, Option } from 'commander';
import { diff } from '../diff/diff';
import { ParseCache } from '../manifest/cache';
import { DEFAULT_LIMITS, type ManifestFile, type ReadLimits } from '../manifest/types';
import { buildDesired } from '../model/desired';
import type { CompileOptions, RoutingTable } from '../model/types';
import { LocalRepo } from '../source/revision';
import { diffJson, renderDiff, type DiffReport, type DiffSide } from './diff-view';
import { labelsArg, sizeArg } from './options';
import { readPaths } from './validate';

interface DiffFlags {
  repo?: string; path?: string; json?: boolean; gatewayLabels: Record<string, string>; listenHost: string;
  maxFileBytes: number; maxCommitBytes: number;
}

/** Files of one side, with paths as the user knows them; `missing` = the `--path` absent from that revision. */
interface Loaded {
  readonly side: DiffSide;
  readonly files: readonly ManifestFile[];
  readonly missing: string | null;
}

/** Adds the `diff` command. */
export function registerDiff(program: Command): void {
  program.command('diff')
    .description('what applying HEAD over BASE would change: two folders, or two revisions with --repo (exit 0 none, 2 changes, 1 invalid)')
    .argument('<base>', 'folder, or with --repo a revision (e.g. origin/main)')
    .argument('<head>', 'folder, or with --repo a revision (e.g. HEAD)')
    .addOption(new Option('--repo <path>', 'local Git repository: BASE and HEAD are revisions of it (branches, tags, origin/main, SHAs)'))
    .addOption(new Option('--path <subdir>', 'with --repo: sub-folder holding the manifests').default(''))
    .addOption(new Option('--json', 'print a JSON document (changes, summary, rendered lines) instead of text'))
    .addOption(new Option('--gateway-labels <k=v,...>', "the proxy's labels").default({ istio: 'ingressgateway' }, 'istio=ingressgateway').argParser(labelsArg))
    .addOption(new Option('--listen-host <address>', 'address of listeners whose Gateway server has no bind').default('0.0.0.0'))
    .addOption(new Option('--max-file-bytes <size>', 'largest manifest file').default(DEFAULT_LIMITS.maxFileBytes, '1MiB').argParser(sizeArg))
    .addOption(new Option('--max-commit-bytes <size>', 'largest total').default(DEFAULT_LIMITS.maxTotalBytes, '16MiB').argParser(sizeArg))
    .action(async (base: string, head: string, flags: DiffFlags) => {
      const limits: ReadLimits = { maxFileBytes: flags.maxFileBytes, maxTotalBytes: flags.maxCommitBytes };
      let report: DiffReport;
      try {
        if (flags.path && !flags.repo) throw new Error('--path needs --repo; to compare sub-folders, give them as BASE and HEAD');
        const [b, h] = flags.repo ? await loadRevisions(flags.repo, flags.path ?? '', base, head, limits) : [await loadDir(base, limits), await loadDir(head, limits)];
        report = compare(b, h, { gatewayLabels: flags.gatewayLabels, listenHost: flags.listenHost }, limits);
      } catch (err) {
        const message = (err as Error).message;
        if (flags.json) process.stdout.write(`${JSON.stringify({ error: message }, null, 2)}\n`);
        process.stderr.write(`error: ${message}\n`);
        process.exit(1);
      }
      process.stdout.write(flags.json ? `${JSON.stringify(diffJson(report), null, 2)}\n` : `${renderDiff(report).join('\n')}\n`);
      process.exit(!report.ok ? 1 : report.changes.length > 0 ? 2 : 0);
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
  return { ok: true, ...sides, changes: diff(before, h.table) };
}

async function loadDir(dir: string, limits: ReadLimits): Promise<Loaded> {
  return { side: { ref: dir, revision: null }, files: await readPaths([dir], limits), missing: null };
}

/** Resolves and reads each revision of the repository; file paths get the sub-path back, as in the repo. */
async function loadRevisions(repoPath: string, subPath: string, base: string, head: string, limits: ReadLimits): Promise<[Loaded, Loaded]> {
  const repo = new LocalRepo(repoPath, { path: subPath, limits });
  const load = async (rev: string): Promise<Loaded> => {
    const sha = await repo.resolve(rev);
    const snap = await repo.read(sha);
    const files = snap.files;
    return { side: { ref: rev, revision: sha }, files, missing: snap.missingPath === undefined ? null : repo.subPath };
  };
  return [await load(base), await load(head)];
}
