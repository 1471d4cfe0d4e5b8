/** The bench report's issue-15 targets: each bound and each met/missed as the issue states them. */
import { controlGoals, renderControl } from '../../bench/report-control';
import type { ScaleRow } from '../../bench/scale';
import type { StormPhase, StormResults } from '../../bench/storm';

function phase(p: StormPhase['phase'], rate: number, p99Ms: number): StormPhase {
  return { phase: p, rate, errors: 0, pingP50Us: 1000, pingP99Us: p99Ms * 1000, pingMaxUs: p99Ms * 1000, pingErrors: 0, changes: 3, applied: 3, reconcileMs: 10, cpuCores: 0.5 };
}

function row(routes: number, coldS: number, commitMs: number, rssMB: number): ScaleRow {
  return { routes, files: routes / 100, coldStartS: coldS, coldReconcileMs: 1, commitMs: [commitMs], reconcileMs: [1], rssAfterStartMB: rssMB, rssAfterMB: rssMB, peakRssMB: rssMB };
}

describe('bench report: control-plane targets', () => {
  const storm: StormResults = {
    routes: 1000, files: 10, seconds: 8, concurrency: 50, pingIntervalMs: 5, reloadEveryMs: 500,
    rounds: [
      { kind: 'tcpshift', round: 1, phases: [phase('idle', 1000, 3), phase('one-file', 900, 6), phase('all-file', 790, 5)] },
      { kind: 'haproxy', round: 1, phases: [phase('idle', 1000, 3), phase('reload', 770, 5.7)] },
    ],
  };

  it('storm: one-file ≥ 0.9× and ≤ 2×, all-file ≥ 0.8× and ≤ 2×, against tcpshift’s own idle', () => {
    const g = controlGoals({ conn: {}, storm });
    expect(g.map((x) => x.met)).toEqual(['met', 'met', '**missed**', 'met']);
    expect(g[2]!.measured).toBe('0.79×');
  });

  it('scale: 5,000 routes against 5 s / 0.3 s / 400 MB, 10,000 against twice that; 1,000 is not a target', () => {
    const g = controlGoals({ conn: {}, scale: [row(1000, 99, 9999, 9999), row(5000, 5, 300, 401), row(10_000, 10.5, 600, 800)] });
    expect(g.map((x) => [x.goal, x.met])).toEqual([
      ['≤ 5 s', 'met'], ['≤ 0.3 s', 'met'], ['≤ 400 MB', '**missed**'],
      ['≤ 10 s', '**missed**'], ['≤ 0.6 s', 'met'], ['≤ 800 MB', 'met'],
    ]);
  });

  it('CPU per connection: against the better of HAProxy and nginx', () => {
    const c = (us: number) => [{ rate: 1, errors: 0, cpuUsPerConn: us, loadgenCores: 0, targetCores: 0, machineCores: 0, userUsPerConn: 0, sysUsPerConn: us }];
    const g = controlGoals({ conn: { tcpshift: c(25), haproxy: c(35), nginx: c(30) } });
    expect(g).toHaveLength(1);
    expect(g[0]!.label).toContain('nginx');
    expect([g[0]!.measured.startsWith('0.83×'), g[0]!.met]).toEqual([true, 'met']);
  });

  it('renders a workers row as not available when the flag is missing, and every section without throwing', () => {
    const out: string[] = [];
    renderControl(out, { conn: {}, storm, scale: [row(1000, 1, 100, 100), row(5000, 2, 200, 200)], workers: { available: false, note: 'no `--workers`', rows: [] } }, 1);
    const text = out.join('\n');
    expect(text).toContain('## Reconcile storm');
    expect(text).toContain('## Scale');
    expect(text).toContain('no `--workers`.');
    expect(text).not.toContain('NaN');
  });

  it('hostile commit: the longest wait against 50 ms, with a floor when lines were never answered', () => {
    const base = { files: 16, bytes: 16e6, documents: 258_000, outcome: 'applied', durationMs: 70_000, idleP99Us: 3000, idleMaxUs: 4000, pingP99Us: 30_000, windowS: 40, rssBeforeMB: 80, peakRssMB: 640, servingAfter: true };
    expect(controlGoals({ conn: {}, hostile: { ...base, pingMaxUs: 40_000, unanswered: 0 } })[0]!.met).toBe('met');
    const g = controlGoals({ conn: {}, hostile: { ...base, pingMaxUs: 40_000, unanswered: 4000 } })[0]!;
    // 4,000 of 8,000 lines unanswered: the first of them was due at 20 s and waited until 50 s
    expect([g.measured.startsWith('≥ 30.0 s'), g.met]).toEqual([true, '**missed**']);
  });
});
