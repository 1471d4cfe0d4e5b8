/** Which tree entries are manifests, and the `--path` sub-folder in one normal form. */

/** True for the names the sources read as manifests: `*.yaml` and `*.yml` (case as written). */
export function isManifestName(path: string): boolean {
  return path.endsWith('.yaml') || path.endsWith('.yml');
}

/**
 * `./deploy/`, `/deploy`, `deploy` → `deploy`; `''`, `.`, `/` → `''` (the root).
 * Throws when a segment is `..` (a sub-path never leaves the repository).
 */
export function normalizeSubPath(path: string): string {
  const parts = path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new Error(`path must stay inside the repository: ${path}`);
  return parts.join('/');
}

/** `prefix/a/b.yaml` relative to `prefix` → `a/b.yaml`; null when the entry is outside it. */
export function underSubPath(path: string, prefix: string): string | null {
  if (prefix === '') return path;
  if (path.startsWith(`${prefix}/`)) return path.slice(prefix.length + 1);
  if (path === prefix) return path.slice(path.lastIndexOf('/') + 1);
  return null;
}
