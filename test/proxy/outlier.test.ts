import { EndpointState } from '../../src/proxy/counters';
import { isEjected, recordConnectFailure, recordConnectSuccess } from '../../src/proxy/outlier';

const od = { consecutiveErrors: 2, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50 };
const peers = (n: number) => Array.from({ length: n }, (_, i) => new EndpointState(`10.0.0.${i}:80`, `10.0.0.${i}`, 80));

describe('outlier detection', () => {
  test('ejects after consecutiveErrors failures in a row, for baseEjectionTime', () => {
    const [a, ...rest] = peers(4);
    const all = [a!, ...rest];
    expect(recordConnectFailure(a!, all, od, 1000)).toBe(false);
    expect(recordConnectFailure(a!, all, od, 1000)).toBe(true);
    expect(isEjected(a!, 1000 + 29_999)).toBe(true);
    expect(isEjected(a!, 1000 + 30_000)).toBe(false);
    expect(a).toMatchObject({ connectFailures: 2, ejections: 1, consecutiveFailures: 0 });
  });

  test('a success between failures resets the streak', () => {
    const all = peers(2);
    const a = all[0]!;
    recordConnectFailure(a, all, od, 0);
    recordConnectSuccess(a);
    expect(recordConnectFailure(a, all, od, 0)).toBe(false);
  });

  test('repeated ejections last longer (multiplier), capped at 5 minutes', () => {
    const all = peers(1);
    const a = all[0]!;
    const once = { ...od, consecutiveErrors: 1, baseEjectionTimeMs: 200_000 };
    recordConnectFailure(a, all, once, 0);
    expect(a.ejectedUntil).toBe(200_000);
    recordConnectFailure(a, all, once, 200_000);
    expect(a.ejectedUntil).toBe(200_000 + 300_000);
    expect(a.ejections).toBe(2);
  });

  test.each([
    // [peers, already ejected, maxEjectionPercent, ejects?]
    [4, 0, 10, true], // at least one may always be ejected
    [4, 1, 50, true], // 2 of 4 = 50%
    [4, 2, 50, false], // 3 of 4 > 50%
    [10, 1, 10, false],
    [10, 1, 20, true],
  ])('%i peers, %i ejected, max %i%% → ejects: %p', (n, already, max, expected) => {
    const all = peers(n);
    for (let i = 1; i <= already; i++) all[i]!.ejectedUntil = 99_999;
    const policy = { ...od, consecutiveErrors: 1, maxEjectionPercent: max };
    expect(recordConnectFailure(all[0]!, all, policy, 0)).toBe(expected);
  });

  test('no policy: failures are counted, nothing is ejected', () => {
    const all = peers(1);
    for (let i = 0; i < 10; i++) expect(recordConnectFailure(all[0]!, all, null, 0)).toBe(false);
    expect(all[0]!.connectFailures).toBe(10);
  });
});
