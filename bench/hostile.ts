/**
 * A hostile commit inside the size caps: files of just under 1 MiB (the per-file cap) of small
 * `kind: Service` documents, up to just under 16 MiB (the commit cap), committed next to a
 * 100-route repo while a client sends a 5-byte line every 5 ms on an open connection through an
 * untouched route. Measures the longest the open connection waited, the reconcile's outcome and
 * duration, peak RSS, and whether the route still serves afterwards.
 */
import { launchBig } from './big-target';
import { echoOnce, sleep } from './net';
import { lowPorts } from './ports';
import { peakRssBytes, rssBytes } from './proc-stats';
import { RouteRepo } from './route-repo';
import type { PingResult } from './storm';
import type { Upstreams } from './targets';
import { loadgen } from './tools';

export interface HostileResult {
  files: number; bytes: number; documents: number;
  outcome: string; durationMs: number;
  idleP99Us: number; idleMaxUs: number;
  /** The open connection while the commit was read: p99 and the longest wait for an answer. */
  pingP99Us: number; pingMaxUs: number;
  /** Lines due in the window that got no answer (the stall outlasted the window plus 10 s). */
  unanswered: number;
  windowS: number;
  rssBeforeMB: number; peakRssMB: number;
  servingAfter: boolean;
}

export interface HostileOptions { readonly files: number; readonly windowS: number; readonly reconcileTimeoutS: number }

const FILE_BYTES = 1_000_000; // under the 1 MiB per-file cap; 16 of them stay under the 16 MiB commit cap

/** `n` files of small Service documents, each just under FILE_BYTES. */
export function hostileFiles(n: number): { files: Record<string, string>; bytes: number; documents: number } {
  const files: Record<string, string> = {};
  let bytes = 0;
  let documents = 0;
  for (let f = 0; f < n; f++) {
    const parts: string[] = [];
    let size = 0;
    for (;;) {
      const doc = `apiVersion: v1\nkind: Service\nmetadata:\n  name: s${String(f).padStart(2, '0')}-${String(parts.length).padStart(6, '0')}\n---\n`;
      if (size + doc.length > FILE_BYTES) break;
      parts.push(doc);
      size += doc.length;
    }
    files[`hostile-${String(f).padStart(2, '0')}.yaml`] = parts.join('');
    bytes += size;
    documents += parts.length;
  }
  return { files, bytes, documents };
}

/** Runs the hostile commit once against a fresh tcpshift. */
export async function measureHostile(bin: string, u: Upstreams, workDir: string, o: HostileOptions, log: (s: string) => void): Promise<HostileResult> {
  const ports = await lowPorts(101);
  const rr = new RouteRepo(ports.slice(0, 100), u);
  const t = await launchBig('tcpshift', rr, ports[100]!, workDir, { versions: {}, watch: false });
  const { tcpshift: ts, repo } = t;
  if (!ts || !repo) throw new Error('launchBig did not start tcpshift');
  try {
    const idle = await loadgen<PingResult>(bin, ['ping', '127.0.0.1', rr.pingPort, 2, 5]);
    const h = hostileFiles(o.files);
    const rssBefore = rssBytes(t.pids());
    log(`hostile: ${Object.keys(h.files).length} files, ${(h.bytes / 2 ** 20).toFixed(1)} MiB, ${h.documents} documents; open connection idle p99 ${(idle.p99Us / 1000).toFixed(2)} ms`);
    const ping = loadgen<PingResult>(bin, ['ping', '127.0.0.1', rr.pingPort, o.windowS, 5]);
    const pingDone = ping.then(() => undefined, () => undefined);
    await sleep(500);
    repo.update(h.files, 'hostile: many small documents');
    let outcome = 'not finished';
    let durationMs = NaN;
    try {
      const pending = ts.reconcileRun();
      pending.catch(() => undefined); // still pending when the race gives up on it
      const run = await Promise.race([pending, sleep(o.reconcileTimeoutS * 1000).then(() => null)]);
      if (run) ({ outcome, durationMs } = run);
      else outcome = `not finished after ${o.reconcileTimeoutS} s`;
    } catch (err) {
      outcome = `POST /reconcile failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    await pingDone;
    const p = await ping;
    const result: HostileResult = {
      files: o.files, bytes: h.bytes, documents: h.documents, outcome, durationMs,
      idleP99Us: idle.p99Us, idleMaxUs: idle.maxUs,
      pingP99Us: Number(p.p99Us), pingMaxUs: Number(p.maxUs),
      unanswered: Math.max(p.unanswered, Math.floor(o.windowS / 0.005) - p.samples),
      windowS: o.windowS,
      rssBeforeMB: rssBefore / 2 ** 20, peakRssMB: peakRssBytes(t.pids()) / 2 ** 20,
      servingAfter: await echoOnce(rr.echoPort, 2000),
    };
    log(`hostile: ${outcome} in ${durationMs.toFixed(0)} ms; open connection waited up to ${(result.pingMaxUs / 1000).toFixed(1)} ms (${result.unanswered} lines unanswered); peak RSS ${result.peakRssMB.toFixed(0)} MB; serving after: ${result.servingAfter}`);
    return result;
  } finally {
    await t.stop();
  }
}
