/** The rollout plan and state machine, table-tested with injected time. */
import { currentShares, nextStepAt, startRollout, transition, type CheckResult, type RolloutEvent, type RolloutState } from '../../src/rollout/machine';
import { gainingKeys, planOf, sameShares, stepShares, type Shares } from '../../src/rollout/plan';

const V1 = 'tcp-echo|v1|9000';
const V2 = 'tcp-echo|v2|9000';

describe('plan: from + s/100 × (to − from)', () => {
  test.each<{ from: Shares; to: Shares; steps: number[]; want: string[] }>([
    { from: { [V1]: 100, [V2]: 0 }, to: { [V1]: 0, [V2]: 100 }, steps: [5, 20, 50, 100], want: ['95/5', '80/20', '50/50', '0/100'] },
    { from: { [V1]: 80, [V2]: 20 }, to: { [V1]: 0, [V2]: 100 }, steps: [25, 50, 100], want: ['60/40', '40/60', '0/100'] },
    { from: { [V1]: 50, [V2]: 50 }, to: { [V1]: 100, [V2]: 0 }, steps: [50, 100], want: ['75/25', '100/0'] },
    { from: { [V1]: 100 }, to: { [V1]: 66.67, [V2]: 33.33 }, steps: [10, 100], want: ['96.67/3.33', '66.67/33.33'] },
  ])('$from → $to in $steps', ({ from, to, steps, want }) => {
    expect(planOf(from, to, steps).map((s) => `${s[V1] ?? 0}/${s[V2] ?? 0}`)).toEqual(want);
  });

  test('gaining destinations and equality', () => {
    expect(gainingKeys({ [V1]: 100 }, { [V1]: 50, [V2]: 50 })).toEqual([V2]);
    expect(sameShares({ [V1]: 100 }, { [V1]: 100, [V2]: 0 })).toBe(true);
    expect(sameShares(stepShares({ [V1]: 100 }, { [V2]: 100 }, 100), { [V2]: 100 })).toBe(true);
  });

  test('a destination key such as constructor is data, not a property of Object', () => {
    expect(stepShares({ constructor: 100, toString: 0 }, { constructor: 0, toString: 100 }, 50)).toEqual({ constructor: 50, toString: 50 });
    expect(stepShares({ hasOwnProperty: 100 }, { toString: 100 }, 50)).toEqual({ toString: 50 });
  });
});

const T0 = 1_000_000;
const start = (over: Partial<Parameters<typeof startRollout>[0]> = {}): RolloutState => startRollout({
  target: 'default/tcp-echo', policy: 'default/tcp-echo', revision: 'abc', steps: [5, 20, 50, 100], stepDurationMs: 60_000,
  threshold: 2, minConnections: 0, routes: [{ listener: '0.0.0.0:31400', from: { [V1]: 100, [V2]: 0 }, to: { [V1]: 0, [V2]: 100 } }],
  now: T0, ...over,
});
const fail = (at: number, message = 'v2 connect failures 38% > 1%'): CheckResult =>
  ({ name: 'connect-failures', ok: false, value: '38%', at: new Date(at).toISOString(), message });
const pass = (at: number): CheckResult => ({ name: 'connect-failures', ok: true, value: '0%', at: new Date(at).toISOString() });
const run = (s: RolloutState, events: RolloutEvent[]) => events.reduce(transition, s);
const v2 = (s: RolloutState) => currentShares(s).get('0.0.0.0:31400')?.[V2];

describe('transition(state, event)', () => {
  test.each<{ name: string; events: RolloutEvent[]; phase: string; step: number; v2: number; message?: string | null }>([
    { name: 'a tick before the step held its duration does nothing', events: [{ type: 'tick', now: T0 + 59_999 }], phase: 'Progressing', step: 1, v2: 5 },
    { name: 'a tick after it moves one step', events: [{ type: 'tick', now: T0 + 60_000 }], phase: 'Progressing', step: 2, v2: 20 },
    {
      name: 'steps are timed from the step\'s own start',
      events: [{ type: 'tick', now: T0 + 60_000 }, { type: 'tick', now: T0 + 100_000 }, { type: 'tick', now: T0 + 120_000 }],
      phase: 'Progressing', step: 3, v2: 50,
    },
    {
      name: 'the last step is reached: Succeeded at 100%',
      events: [1, 2, 3].map((i) => ({ type: 'tick' as const, now: T0 + i * 60_000 })), phase: 'Succeeded', step: 4, v2: 100,
    },
    {
      name: 'threshold failed checks abort, naming the check, the step and the value',
      events: [{ type: 'tick', now: T0 + 60_000 }, { type: 'checked', now: T0 + 61_000, results: [fail(T0 + 61_000)], connections: 5 },
        { type: 'checked', now: T0 + 62_000, results: [fail(T0 + 62_000)], connections: 9 }],
      phase: 'Aborted', step: 2, v2: 20, message: 'v2 connect failures 38% > 1% at step 2/4 (20%)',
    },
    {
      name: 'one failure below threshold does not abort, but holds no step back either',
      events: [{ type: 'checked', now: T0 + 1, results: [fail(T0 + 1)], connections: 0 }, { type: 'tick', now: T0 + 60_000 }],
      phase: 'Progressing', step: 2, v2: 20, message: null,
    },
    {
      name: 'pause holds the step past its duration',
      events: [{ type: 'pause', now: T0 + 1 }, { type: 'tick', now: T0 + 600_000 }], phase: 'Paused', step: 1, v2: 5,
    },
    {
      name: 'checks keep running while paused and still abort',
      events: [{ type: 'pause', now: T0 + 1 }, { type: 'checked', now: T0 + 2, results: [fail(T0 + 2), { ...fail(T0 + 2), name: 'smoke', message: 'smoke: HTTP 500' }], connections: 0 }],
      phase: 'Aborted', step: 1, v2: 5, message: 'v2 connect failures 38% > 1% at step 1/4 (5%)',
    },
    {
      name: 'resume goes on; an overdue step passes at the next tick',
      events: [{ type: 'pause', now: T0 + 1 }, { type: 'resume', now: T0 + 90_000 }, { type: 'tick', now: T0 + 90_001 }],
      phase: 'Progressing', step: 2, v2: 20,
    },
    { name: 'promote jumps to 100%', events: [{ type: 'promote', now: T0 + 5 }], phase: 'Succeeded', step: 4, v2: 100 },
    {
      name: 'abort by hand', events: [{ type: 'tick', now: T0 + 60_000 }, { type: 'abort', now: T0 + 60_001 }],
      phase: 'Aborted', step: 2, v2: 20, message: 'aborted by hand at step 2/4 (20%)',
    },
    {
      name: 'a finished rollout ignores further events',
      events: [{ type: 'abort', now: T0 + 1 }, { type: 'promote', now: T0 + 2 }, { type: 'resume', now: T0 + 3 }], phase: 'Aborted', step: 1, v2: 5,
    },
  ])('$name', (c) => {
    const s = run(start(), c.events);
    expect([s.phase, s.step, v2(s)]).toEqual([c.phase, c.step, c.v2]);
    if (c.message !== undefined) expect(s.message).toBe(c.message);
  });

  test('minConnections: the step waits for the gaining destinations to see enough connections', () => {
    const s0 = start({ minConnections: 20 });
    const held = run(s0, [{ type: 'checked', now: T0 + 10, results: [pass(T0 + 10)], connections: 19 }, { type: 'tick', now: T0 + 70_000 }]);
    expect(held.step).toBe(1);
    const moved = run(held, [{ type: 'checked', now: T0 + 70_001, results: [pass(T0 + 70_001)], connections: 20 }, { type: 'tick', now: T0 + 70_002 }]);
    expect([moved.step, moved.stepConnections, moved.stepStartedAt]).toEqual([2, 0, T0 + 70_002]);
  });

  test('checks keep the last result per name; nextStepAt follows the step and is null when paused', () => {
    const s = run(start(), [{ type: 'checked', now: T0 + 1, results: [fail(T0 + 1)], connections: 0 }, { type: 'checked', now: T0 + 2, results: [pass(T0 + 2)], connections: 0 }]);
    expect(s.checks).toEqual([pass(T0 + 2)]);
    expect(s.failedChecks).toBe(1);
    expect(nextStepAt(s)).toBe(T0 + 60_000);
    expect(nextStepAt(transition(s, { type: 'pause', now: T0 + 3 }))).toBeNull();
  });

  test('no steps: a rollout is done at once', () => {
    expect(start({ steps: [100] }).phase).toBe('Succeeded');
  });
});
