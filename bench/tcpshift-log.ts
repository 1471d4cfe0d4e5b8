/** Reads tcpshift's JSON log (--log-format json): the 'reconcile finished' lines with their durationMs. */
import { readFileSync } from 'node:fs';
import { sleep } from './net';
import type { ReconcileRun } from './tcpshift';

/** Every 'reconcile finished' line in `logFile` so far, oldest first. */
export function reconcileRuns(logFile: string): ReconcileRun[] {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  const out: ReconcileRun[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"reconcile finished"')) continue;
    try {
      const j = JSON.parse(line) as { revision?: string | null; outcome?: string; durationMs?: number };
      out.push({ revision: j.revision ?? null, outcome: String(j.outcome), durationMs: Number(j.durationMs) });
    } catch {
      // a line cut while being written: the next read sees it whole
    }
  }
  return out;
}

/** Waits (polling the file) for the run that reconciled `revision`; null after `timeoutMs`. */
export async function waitForRun(logFile: string, revision: string, timeoutMs: number): Promise<ReconcileRun | null> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const run = reconcileRuns(logFile).find((r) => r.revision === revision);
    if (run) return run;
    if (Date.now() > end) return null;
    await sleep(50);
  }
}
