/** A commit's snapshot → resources → routing table: the whole desired state of one commit, or every error. Pure. */
import type { Change } from '../diff/types';
import { Codes, pathNotFoundHint, type Diagnostic } from '../errors';
import { fileDiagnostic } from '../manifest/files';
import { parseManifests, type ParseOptions } from '../manifest/parse';
import { DEFAULT_LIMITS, type ManifestFile, type ReadLimits, type Resource } from '../manifest/types';
import { compile } from './compile';
import { DEFAULT_COMPILE_OPTIONS, type CompileOptions, type RoutingTable } from './types';

/** What one commit asks for. `ok: false` carries every error (and warning) found. */
export type Desired =
  | {
    readonly ok: true; readonly table: RoutingTable; readonly resources: readonly Resource[]; readonly diagnostics: readonly Diagnostic[];
    /** Set by a builder that diffed already (the build worker): `changes` = diff(`against`, `table`). */
    readonly diffed?: { readonly against: RoutingTable | null; readonly changes: readonly Change[] };
  }
  | { readonly ok: false; readonly resources: readonly Resource[]; readonly diagnostics: readonly Diagnostic[] };

/** What a source found in one revision (a `Snapshot` is one): the files, and what stopped it reading. */
export interface DesiredInput {
  readonly files: readonly ManifestFile[];
  /** The `--path` sub-folder, when it does not exist in the revision. */
  readonly missingPath?: string;
  /** The source withheld every file's content: the commit is over the per-commit size cap. */
  readonly overCap?: boolean;
}

/** Parses and compiles a commit's files (or a source's whole snapshot); never throws on bad input. */
export function buildDesired(
  input: readonly ManifestFile[] | DesiredInput,
  opts: CompileOptions = DEFAULT_COMPILE_OPTIONS,
  limits: ReadLimits = DEFAULT_LIMITS,
  parse: ParseOptions = {},
): Desired {
  const snap: DesiredInput = isFiles(input) ? { files: input } : input;
  if (snap.missingPath !== undefined) return { ok: false, resources: [], diagnostics: [missingPath(snap.missingPath)] };
  const parsed = parseManifests(snap.files, limits, parse);
  const diagnostics = [...parsed.diagnostics];
  if (snap.overCap && !diagnostics.some((d) => d.code === Codes.COMMIT_TOO_LARGE)) {
    diagnostics.push(fileDiagnostic(snap.files[snap.files.length - 1]?.path ?? '', Codes.COMMIT_TOO_LARGE,
      `manifest files add up to more than ${limits.maxTotalBytes} bytes; nothing was read`));
  }
  if (diagnostics.some((d) => d.code === Codes.COMMIT_TOO_COMPLEX)) return { ok: false, resources: [], diagnostics };
  const compiled = compile(parsed.resources, opts);
  for (const d of compiled.diagnostics) diagnostics.push(d);
  diagnostics.sort(byPosition);
  const failed = !compiled.ok || diagnostics.some((d) => d.severity === 'error');
  if (failed || !compiled.ok) return { ok: false, resources: parsed.resources, diagnostics };
  return { ok: true, table: compiled.table, resources: parsed.resources, diagnostics };
}

function isFiles(input: readonly ManifestFile[] | DesiredInput): input is readonly ManifestFile[] {
  return Array.isArray(input);
}

/** PATH_NOT_FOUND: the commit is rejected, not read as "no routes". */
export function missingPath(path: string): Diagnostic {
  return {
    severity: 'error', code: Codes.PATH_NOT_FOUND, file: path, line: 0, col: 0,
    message: `the manifest path ${path} does not exist in this revision; nothing was changed. ${pathNotFoundHint(path)}`,
  };
}

/** Orders diagnostics by file, then line and column, so output reads top to bottom. */
function byPosition(a: Diagnostic, b: Diagnostic): number {
  return (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.col - b.col;
}
