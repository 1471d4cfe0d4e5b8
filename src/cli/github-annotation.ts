/** Diagnostics as GitHub Actions workflow commands (`::error file=…,line=…,col=…,title=…::…`), for `validate --format github`. Pure. */
import type { Diagnostic } from '../errors';
import { escapeControl } from '../safe-text';

/** Escapes the message part of a workflow command (`%`, CR, LF, as GitHub's toolkit does). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value of a workflow command (also `:` and `,`). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Returns one `::error …::` or `::warning …::` line; line and col are left out for a finding about a whole file. */
export function githubAnnotation(d: Diagnostic): string {
  const props = [`file=${escapeProperty(d.file)}`];
  if (d.line > 0) props.push(`line=${d.line}`, `col=${d.col}`);
  props.push(`title=${escapeProperty(`tcpshift ${d.code}`)}`);
  const rel = d.related ? ` (see ${d.related.file}:${d.related.line}:${d.related.col})` : '';
  // CR and LF become %0D/%0A; other control characters (ANSI escapes, U+2028, direction overrides) are made visible.
  const text = escapeControl(`${d.code}: ${d.message}${rel}`, true);
  return `::${d.severity === 'error' ? 'error' : 'warning'} ${props.join(',')}::${escapeData(text)}`;
}
