/** Entry of src/manifest: a commit's files → typed Istio resources plus every diagnostic, with positions. Pure. */
import { Codes, type Diagnostic } from '../errors';
import { cacheKey, type ParseCache, type ParsedFile } from './cache';
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

/** YAML documents per commit, by default (a 10,000-route repo has about 10,000); more is COMMIT_TOO_COMPLEX. */
export const MAX_DOCUMENTS = 25_000;

/** Options of one read: a parse cache (files whose path and content it knows are not parsed again), and who to tell which file is parsed next. */
export interface ParseOptions {
  readonly cache?: ParseCache;
  /** Called before a file is parsed (not for cache hits): the build worker reports it, so a crash names the file. */
  readonly onParse?: (path: string) => void;
}

/**
 * Reads every `*.yaml` / `*.yml` file (sorted by path, documents in order). Never throws for bad input:
 * each problem becomes a diagnostic, and whatever could be read is still returned.
 */
export function parseManifests(files: readonly ManifestFile[], limits: ReadLimits = DEFAULT_LIMITS, opts: ParseOptions = {}): ParseResult {
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [];
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  let total = 0;
  let overTotal = false;
  let documents = 0;
  const maxDocuments = limits.maxDocuments ?? MAX_DOCUMENTS;
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
    if (f.content === undefined || fileSize(f) > limits.maxFileBytes) {
      decodeFile(f, limits, diagnostics);
      continue;
    }
    const content = f.content;
    const key = cacheKey({ ...f, content });
    const cached = opts.cache?.get(key);
    // Counted before parsing, from the `---` lines: a file of 100,000 tiny documents is refused unparsed.
    const count = cached?.documents ?? countDocuments(content);
    documents += count;
    if (documents > maxDocuments) {
      overTotal = true;
      diagnostics.push(fileDiagnostic(f.path, Codes.COMMIT_TOO_COMPLEX,
        `the commit has more than ${maxDocuments} YAML documents; reading stopped here and nothing was applied`));
      continue;
    }
    let parsed = cached;
    if (parsed === undefined) {
      opts.onParse?.(f.path);
      parsed = parseFile({ ...f, content }, limits, count);
      opts.cache?.set(key, parsed, content.length);
    }
    for (const r of parsed.resources) resources.push(r);
    for (const d of parsed.diagnostics) diagnostics.push(d);
  }
  return { resources, diagnostics };
}

/** One file's resources and diagnostics (in position order), whatever is in it. */
function parseFile(f: ManifestFile & { readonly content: Uint8Array }, limits: ReadLimits, documents: number): ParsedFile {
  const found: Diagnostic[] = [];
  const resources: Resource[] = [];
  const text = decodeFile(f, limits, found);
  if (text === undefined) return { resources, diagnostics: found, documents };
  for (const doc of readYaml(f.path, text, found)) {
    const read = readDocument(f.path, doc);
    for (const d of read.diagnostics) found.push(d);
    if (read.resource) resources.push(read.resource);
  }
  found.sort((a, b) => a.line - b.line || a.col - b.col);
  return { resources, diagnostics: found, documents };
}

/** An upper bound of the documents in a file: 1 + the lines that start with `---` (a marker at column 0). */
export function countDocuments(content: Uint8Array): number {
  let n = 1;
  const dash = 0x2d;
  for (let i = content.indexOf(dash); i >= 0; i = content.indexOf(dash, i + 1)) {
    if ((i === 0 || content[i - 1] === 0x0a) && content[i + 1] === dash && content[i + 2] === dash) n += 1;
  }
  return n;
}
