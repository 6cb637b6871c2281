import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TemplateError } from './intrinsics.ts';
import { nextFiring, parseScheduleExpression, parseTimeScale, startScheduler, type Scheduler } from './scheduler.ts';
import type { ScheduleModel } from './template.ts';

describe('parsing schedule expressions', () => {
  it('given rates in minutes, hours and days, when parsed, then each is its period', () => {
    expect(parseScheduleExpression('rate(1 minute)')).toEqual({ kind: 'rate', periodMs: 60_000 });
    expect(parseScheduleExpression('rate(5 minutes)')).toEqual({ kind: 'rate', periodMs: 300_000 });
    expect(parseScheduleExpression('rate(1 hour)')).toEqual({ kind: 'rate', periodMs: 3_600_000 });
    expect(parseScheduleExpression('rate(2 days)')).toEqual({ kind: 'rate', periodMs: 172_800_000 });
  });

  it('given a rate EventBridge refuses, when parsed, then it fails loudly', () => {
    for (const expression of ['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'rate(5 seconds)', 'rate(1.5 hours)']) {
      expect(() => parseScheduleExpression(expression, 'Sweep.ScheduleExpression')).toThrow(TemplateError);
    }
  });

  it('given every-N-minutes, hourly and daily cron forms, when parsed, then the minutes and hours are listed', () => {
    const every5 = parseScheduleExpression('cron(*/5 * * * ? *)');
    expect(every5).toMatchObject({ kind: 'cron' });
    expect(every5.kind === 'cron' && [...every5.minutes]).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55]);
    expect(every5.kind === 'cron' && every5.hours.size).toBe(24);
    const offset = parseScheduleExpression('cron(2/20 * ? * * *)');
    expect(offset.kind === 'cron' && [...offset.minutes]).toEqual([2, 22, 42]);
    const daily = parseScheduleExpression('cron(30 9,17 * * ? *)');
    expect(daily.kind === 'cron' && [[...daily.minutes], [...daily.hours]]).toEqual([[30], [9, 17]]);
  });

  it('given cron fields beyond every day, when parsed, then they fail loudly instead of firing at the wrong time', () => {
    for (const expression of ['cron(0 9 ? * MON-FRI *)', 'cron(0 9 1 * ? *)', 'cron(0 9 * 1 ? *)', 'cron(0 9 * * ? 2027)', 'cron(0 9 * * * *)', 'cron(61 * * * ? *)', 'cron(0 9 * *)']) {
      expect(() => parseScheduleExpression(expression, 'Sweep.ScheduleExpression')).toThrow(TemplateError);
    }
  });

  it('given TIME_SCALE values, when parsed, then unset is 1 and nonsense fails as the functions would', () => {
    expect(parseTimeScale(undefined)).toBe(1);
    expect(parseTimeScale('60')).toBe(60);
    expect(() => parseTimeScale('fast')).toThrow(/TIME_SCALE must be a positive number/);
    expect(() => parseTimeScale('0')).toThrow(/TIME_SCALE/);
  });

  it('given a cron schedule, when the next firing is asked for, then it is the next matching UTC minute', () => {
    const schedule = parseScheduleExpression('cron(*/5 * * * ? *)');
    const now = Date.parse('2026-12-01T08:13:27Z');
    expect(new Date(nextFiring(schedule, now, now)).toISOString()).toBe('2026-12-01T08:15:00.000Z');
    const daily = parseScheduleExpression('cron(0 6 * * ? *)');
    expect(new Date(nextFiring(daily, now, now)).toISOString()).toBe('2026-12-02T06:00:00.000Z');
  });
});

describe('firing scheduled rules', () => {
  const rule = (expression: string, input?: string): ScheduleModel => ({
    logicalId: 'SweepRule',
    scheduleExpression: expression,
    targets: [{ id: 'Target0', functionLogicalId: 'Sweeper', ...(input ? { input } : {}) }],
  });
  let scheduler: Scheduler | undefined;

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-12-01T08:00:00.000Z') });
  });
  afterEach(async () => {
    await scheduler?.stop();
    scheduler = undefined;
    vi.useRealTimers();
  });

  it('given rate(1 minute) at TIME_SCALE 60, when three seconds pass, then the function got three scheduled events', async () => {
    const events: unknown[] = [];
    scheduler = startScheduler({
      schedules: [rule('rate(1 minute)')],
      region: 'eu-west-1',
      timeScale: 60,
      invoke: async (fn, event) => {
        events.push({ fn, event });
      },
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(events).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2_001);
    expect(events).toHaveLength(3);
    expect(events[0]).toEqual({
      fn: 'Sweeper',
      event: {
        version: '0',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: '2026-12-01T08:00:01Z',
        region: 'eu-west-1',
        resources: ['arn:aws:events:eu-west-1:000000000000:rule/SweepRule'],
        detail: {},
      },
    });
  });

  it('given rate(1 minute) at TIME_SCALE 600, when three seconds pass, then it fired once a second, not ten times', async () => {
    const invoke = vi.fn(async () => undefined);
    scheduler = startScheduler({ schedules: [rule('rate(1 minute)')], region: 'eu-west-1', timeScale: 600, invoke });
    // The first tick is due on the scaled clock after 0.1 s; the next ones wait out the gap.
    await vi.advanceTimersByTimeAsync(100);
    expect(invoke).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(899);
    expect(invoke).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2_001);
    expect(invoke).toHaveBeenCalledTimes(3);
  });

  it('given rate(5 minutes) unscaled, when four minutes pass, then nothing fired, and at five minutes it fires once', async () => {
    const invoke = vi.fn(async () => undefined);
    scheduler = startScheduler({ schedules: [rule('rate(5 minutes)')], region: 'eu-west-1', invoke });
    await vi.advanceTimersByTimeAsync(4 * 60_000);
    expect(invoke).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(invoke).toHaveBeenCalledTimes(1);
  });

  it('given a target Input, when the rule fires, then the function gets that JSON instead of the scheduled event', async () => {
    const invoke = vi.fn(async (_fn: string, _event: unknown) => undefined);
    scheduler = startScheduler({ schedules: [rule('rate(1 minute)', '{"job":"recount"}')], region: 'eu-west-1', timeScale: 60, invoke });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(invoke).toHaveBeenCalledWith('Sweeper', { job: 'recount' });
  });

  it('given the previous invocation still runs, when the next ticks are due, then they are skipped, and the rule resumes once it ends', async () => {
    const finishers: (() => void)[] = [];
    const lines: string[] = [];
    const invoke = vi.fn(() => new Promise<void>((resolve) => finishers.push(resolve)));
    scheduler = startScheduler({ schedules: [rule('rate(1 minute)')], region: 'eu-west-1', timeScale: 60, invoke, log: (line) => lines.push(line) });
    await vi.advanceTimersByTimeAsync(3_500);
    expect(invoke).toHaveBeenCalledTimes(1);
    finishers[0]!();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(invoke).toHaveBeenCalledTimes(2);
    expect(lines).toContain('SweepRule: skipped 2 tick(s) while the previous invocation ran');
    finishers[1]!();
  });

  it('given an invocation that fails, when the rule fires, then the failure is logged and the next tick still fires', async () => {
    const lines: string[] = [];
    const invoke = vi.fn(async () => {
      throw Object.assign(new Error('table is gone'), { name: 'ResourceNotFoundException' });
    });
    scheduler = startScheduler({ schedules: [rule('rate(1 minute)')], region: 'eu-west-1', timeScale: 60, invoke, log: (line) => lines.push(line) });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(invoke).toHaveBeenCalledTimes(2);
    expect(lines).toContain('SweepRule: Sweeper failed: ResourceNotFoundException: table is gone');
  });

  it('given cron every 5 minutes at TIME_SCALE 60, when 10 seconds pass, then it fired on the scaled clock\'s 5-minute marks', async () => {
    vi.setSystemTime(new Date('2026-12-01T08:03:00.000Z'));
    const invoke = vi.fn(async () => undefined);
    scheduler = startScheduler({ schedules: [rule('cron(0/5 * * * ? *)')], region: 'eu-west-1', timeScale: 60, invoke });
    // The scaled clock reaches 08:05 after 2 real seconds, 08:10 after 7, 08:15 after 12.
    await vi.advanceTimersByTimeAsync(1_999);
    expect(invoke).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(8_001);
    expect(invoke).toHaveBeenCalledTimes(2);
  });

  it('given a stopped scheduler, when time passes, then nothing fires any more', async () => {
    const invoke = vi.fn(async () => undefined);
    scheduler = startScheduler({ schedules: [rule('rate(1 minute)')], region: 'eu-west-1', timeScale: 60, invoke });
    await vi.advanceTimersByTimeAsync(1_000);
    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(invoke).toHaveBeenCalledTimes(1);
  });
});
