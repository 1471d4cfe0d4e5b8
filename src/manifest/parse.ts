/** Entry of src/manifest: a commit's files → typed Istio resources plus every diagnostic, with positions. Pure. */
import { Codes, type Diagnostic } from '../errors';
import { readDocument } from './document';
import { decodeFile, fileDiagnostic, fileSize, isManifestPath } from './files';
import { DEFAULT_LIMITS, type ManifestFile, type ReadLimits, type Resource } from './types';
import { readYaml } from './yaml';

/** What reading a tree produced. */
export interface ParseResult {
  /** Every resource that could be read, in file then document order. */
  resources: Resource[];
  /** Every error and warning; the caller rejects the commit when any is an error. */
  diagnostics: Diagnostic[];
}

/**
 * Reads every `*.yaml` / `*.yml` file (sorted by path, documents in order). Never throws for bad input:
 * each problem becomes a diagnostic, and whatever could be read is still returned.
 */
export function parseManifests(files: readonly ManifestFile[], limits: ReadLimits = DEFAULT_LIMITS): ParseResult {
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [];
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  let total = 0;
  let overTotal = false;
  // Over the per-commit cap a source hands files over without content: COMMIT_TOO_LARGE says why, not FILE_TOO_LARGE.
  const commitTotal = sorted.reduce((sum, f) => sum + (f.type === 'file' && isManifestPath(f.path) ? fileSize(f) : 0), 0);
  for (const f of sorted) {
    if (f.type === 'symlink') {
      diagnostics.push(fileDiagnostic(f.path, Codes.FILE_SYMLINK, 'symbolic links are not allowed in the manifest tree'));
      continue;
    }
    if (f.type === 'submodule') {
      diagnostics.push(fileDiagnostic(f.path, Codes.SUBMODULE_SKIPPED, 'git submodule not followed; skipped', 'warning'));
      continue;
    }
    if (!isManifestPath(f.path) || overTotal) continue;
    total += fileSize(f);
    if (total > limits.maxTotalBytes) {
      overTotal = true;
      diagnostics.push(fileDiagnostic(f.path, Codes.COMMIT_TOO_LARGE,
        `manifest files add up to more than ${limits.maxTotalBytes} bytes; reading stopped here`));
      continue;
    }
    if (f.content === undefined && commitTotal > limits.maxTotalBytes && fileSize(f) <= limits.maxFileBytes) continue;
    const text = decodeFile(f, limits, diagnostics);
    if (text !== undefined) readFile(f.path, text, resources, diagnostics);
  }
  return { resources, diagnostics };
}

/** One file's documents; its diagnostics are appended in position order. */
function readFile(path: string, text: string, resources: Resource[], diagnostics: Diagnostic[]): void {
  const found: Diagnostic[] = [];
  for (const doc of readYaml(path, text, found)) {
    const read = readDocument(path, doc);
    for (const d of read.diagnostics) found.push(d);
    if (read.resource) resources.push(read.resource);
  }
  found.sort((a, b) => a.line - b.line || a.col - b.col);
  for (const d of found) diagnostics.push(d);
}
