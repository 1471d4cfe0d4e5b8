/** Manifest files → resources → routing table: the whole desired state of one commit, or every error. Pure. */
import type { Diagnostic } from '../errors';
import { parseManifests } from '../manifest/parse';
import { DEFAULT_LIMITS, type ManifestFile, type ReadLimits, type Resource } from '../manifest/types';
import { compile } from './compile';
import { DEFAULT_COMPILE_OPTIONS, type CompileOptions, type RoutingTable } from './types';

/** What one commit asks for. `ok: false` carries every error (and warning) found. */
export type Desired =
  | { readonly ok: true; readonly table: RoutingTable; readonly resources: readonly Resource[]; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly resources: readonly Resource[]; readonly diagnostics: readonly Diagnostic[] };

/** Parses and compiles a commit's files; never throws on bad input. */
export function buildDesired(
  files: readonly ManifestFile[],
  opts: CompileOptions = DEFAULT_COMPILE_OPTIONS,
  limits: ReadLimits = DEFAULT_LIMITS,
): Desired {
  const parsed = parseManifests(files, limits);
  const compiled = compile(parsed.resources, opts);
  const diagnostics = [...parsed.diagnostics, ...compiled.diagnostics].sort(byPosition);
  const failed = !compiled.ok || parsed.diagnostics.some((d) => d.severity === 'error');
  if (failed || !compiled.ok) return { ok: false, resources: parsed.resources, diagnostics };
  return { ok: true, table: compiled.table, resources: parsed.resources, diagnostics };
}

/** Orders diagnostics by file, then line and column, so output reads top to bottom. */
function byPosition(a: Diagnostic, b: Diagnostic): number {
  return (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.col - b.col;
}
