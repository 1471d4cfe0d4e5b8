/** Turning a field path of a resource into a positioned Diagnostic. Pure. */
import type { Code, Diagnostic } from '../errors';
import type { LineCol, Resource } from './types';

/** Position of `path` in the resource, else of its nearest recorded ancestor, else of the document. */
export function locate(resource: Pick<Resource, 'positions' | 'line' | 'col'>, path: string): LineCol {
  let p = path;
  for (;;) {
    const hit = Object.hasOwn(resource.positions, p) ? resource.positions[p] : undefined;
    if (hit) return hit;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return [resource.line, resource.col];
    p = p.slice(0, cut);
  }
}

/** A diagnostic about field `path` of `resource`; the message should name the field. */
export function diagAt(
  resource: Pick<Resource, 'positions' | 'line' | 'col' | 'file'>,
  path: string,
  code: Code,
  message: string,
  severity: Diagnostic['severity'] = 'error',
  related?: Diagnostic['related'],
): Diagnostic {
  const [line, col] = locate(resource, path);
  return { severity, code, message, file: resource.file, line, col, field: path, ...(related ? { related } : {}) };
}

/** Where field `path` of another resource is, for a diagnostic's `related` (e.g. the first of two duplicates). */
export function relatedAt(resource: Pick<Resource, 'positions' | 'line' | 'col' | 'file'>, path: string): NonNullable<Diagnostic['related']> {
  const [line, col] = locate(resource, path);
  return { file: resource.file, line, col };
}
