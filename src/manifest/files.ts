/** File-level checks before any YAML is read: which files count, size caps, binary content. Pure. */
import { Codes, type Diagnostic } from '../errors';
import type { ManifestFile, ReadLimits } from './types';

const MANIFEST_NAME = /\.ya?ml$/;

/** True for the files the parser reads: names ending `.yaml` or `.yml`. */
export function isManifestPath(path: string): boolean {
  return MANIFEST_NAME.test(path);
}

/** A diagnostic about a whole file (line 0, col 0). */
export function fileDiagnostic(
  file: string,
  code: Diagnostic['code'],
  message: string,
  severity: Diagnostic['severity'] = 'error',
): Diagnostic {
  return { severity, code, message, file, line: 0, col: 0 };
}

/** The size a file counts for: the larger of what the source reported and what it handed over. */
export function fileSize(f: ManifestFile): number {
  return Math.max(f.size, f.content?.length ?? 0);
}

/** The file's UTF-8 text, or undefined after reporting FILE_TOO_LARGE or FILE_BINARY to `out`. */
export function decodeFile(f: ManifestFile, limits: ReadLimits, out: Diagnostic[]): string | undefined {
  const size = fileSize(f);
  if (f.content === undefined || size > limits.maxFileBytes) {
    const why = size > limits.maxFileBytes ? `file is ${size} bytes` : 'file content was not read';
    out.push(fileDiagnostic(f.path, Codes.FILE_TOO_LARGE, `${why}; the limit is ${limits.maxFileBytes} bytes`));
    return undefined;
  }
  if (f.content.includes(0)) {
    out.push(fileDiagnostic(f.path, Codes.FILE_BINARY, 'file contains a NUL byte; not a text manifest'));
    return undefined;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(f.content);
  } catch {
    out.push(fileDiagnostic(f.path, Codes.FILE_BINARY, 'file is not valid UTF-8; not a text manifest'));
    return undefined;
  }
}
