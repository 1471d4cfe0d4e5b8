/** Helpers for the manifest tests: in-memory files and short Istio documents. */
import type { Diagnostic } from '../../src/errors';
import { parseManifests } from '../../src/manifest/parse';
import type { ManifestFile, ReadLimits, Resource } from '../../src/manifest/types';

/** A regular file with UTF-8 `text` (or raw bytes). */
export function file(path: string, text: string | Uint8Array): ManifestFile {
  const content = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  return { path, type: 'file', size: content.length, content };
}

/** An Istio document of `kind` named `name` whose spec is `spec` (indented by the caller, 2 spaces); spec starts on line 6. */
export function istio(kind: string, spec: string, name = 'x'): string {
  return `apiVersion: networking.istio.io/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}

/** Parses one file. */
export function parseOne(text: string, path = 'm.yaml', limits?: ReadLimits): { resources: Resource[]; diagnostics: Diagnostic[] } {
  return parseManifests([file(path, text)], limits);
}

/** `code@line:col` for each diagnostic, for compact assertions. */
export function where(ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => `${d.code}@${d.line}:${d.col}`);
}

export function errors(ds: readonly Diagnostic[]): Diagnostic[] {
  return ds.filter((d) => d.severity === 'error');
}
