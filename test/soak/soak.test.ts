/**
 * The soak (see soak.ts). In `npm test` it runs for 5 s; `npm run soak` runs it for 2 minutes and prints
 * the report; TCPSHIFT_SOAK_DURATION (e.g. `30s`, `10m`) sets any other length.
 */
import { formatDuration, parseDuration } from '../../src/duration';
import { runSoak } from './soak';

const bySoakScript = process.env.npm_lifecycle_event === 'soak';
const durationMs = parseDuration(process.env.TCPSHIFT_SOAK_DURATION ?? (bySoakScript ? '2m' : '5s')) ?? 5000;

test(`soak (${formatDuration(durationMs)}): continuous echo-checked connections while the weights change every 100 ms`, async () => {
  const report = await runSoak({ durationMs });
  if (bySoakScript || process.env.TCPSHIFT_SOAK_DURATION) process.stdout.write(`\nsoak report: ${JSON.stringify(report, null, 2)}\n`);
  expect(report.errors).toEqual([]);
  expect(report.failed).toBe(0);
  expect(report.runsNotApplied).toBe(0);
  expect(report.attempted).toBeGreaterThan(0);
  expect(report.bytesVerified).toBeGreaterThan(0);
  expect(report.longLines).toBeGreaterThan(0);
  // Every weight commit became a swap (how many fit in the duration depends on the machine, so no count is asserted
  // beyond a few: the soak's point is that none failed and none was left unapplied).
  expect(report.commits).toBeGreaterThanOrEqual(3);
  expect(report.swapsApplied).toBe(report.commits);
}, durationMs + 60_000);
