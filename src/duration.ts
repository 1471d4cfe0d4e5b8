/** Go/Istio-style durations (`500ms`, `10s`, `1m30s`, `1.5h`, `0s`) to milliseconds. Pure. */

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** Returns the duration in whole milliseconds (rounded), or null when `text` is not a duration. */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (s === '' ) return null;
  if (s === '0') return 0;
  PART.lastIndex = 0;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    PART.lastIndex = pos;
    const m = PART.exec(s);
    if (!m || m[1] === undefined || m[2] === undefined) return null;
    total += Number(m[1]) * (UNIT_MS[m[2]] ?? NaN);
    pos = PART.lastIndex;
  }
  return Number.isFinite(total) ? Math.round(total) : null;
}

/** Renders milliseconds the way a person writes them: `250ms`, `10s`, `1m30s`, `1h`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000 || ms % 1000 !== 0) return `${ms}ms`;
  let s = ms / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}
