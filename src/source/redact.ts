/** Credentials out of URLs, for every message and log line that may carry a repository address. */

/**
 * `scheme://userinfo@` → `scheme://***@`. The userinfo runs to the last `@` before the host's end,
 * so a password holding a raw `@` is still removed whole.
 */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/?#'"<>`]*@/gi;

/** Returns `text` with the user and password of every URL in it replaced by `***` (never throws). */
export function redact(text: string): string {
  return text.replace(USERINFO, '$1***@');
}
