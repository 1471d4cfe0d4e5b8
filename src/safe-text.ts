/**
 * User text made safe for one line of CI output (logs, workflow commands, PR comments): control,
 * line-separator and bidirectional-formatting characters become visible `\xNN` / `\uNNNN` escapes,
 * so a name can never start a new line or reorder what a reviewer reads. Pure.
 */

/** C0 and C1 controls, DEL, U+2028/2029 and the invisible direction marks, overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/**
 * `s` with every unsafe character written as an escape (`\n` → `\x0a`, U+202E → `\u202e`); with
 * `keepNewlines`, CR and LF are left for a caller that encodes them itself (workflow commands).
 */
export function escapeControl(s: string, keepNewlines = false): string {
  return s.replace(UNSAFE, (c) => {
    if (keepNewlines && (c === '\n' || c === '\r')) return c;
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
