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
  expect(report.attempted).toBeGreaterThan(durationMs / 100);
  expect(report.bytesVerified).toBeGreaterThan(0);
  expect(report.longLines).toBeGreaterThan(0);
  // A swap roughly every 100 ms (a run takes a few tens of ms): at least a third of the ideal count.
  expect(report.swapsApplied).toBeGreaterThan(durationMs / 300);
}, durationMs + 60_000);
