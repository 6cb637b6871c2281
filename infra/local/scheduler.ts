import type { ScheduledEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCAL_ACCOUNT_ID, TemplateError } from './intrinsics.ts';
import type { ScheduleModel } from './template.ts';

/**
 * Plays EventBridge's scheduled rules: each rule invokes its target functions on its schedule
 * with the event EventBridge sends ("Scheduled Event", or the target's constant Input).
 *
 * Schedules run on a clock that starts at the real time and runs TIME_SCALE times faster, so
 * at TIME_SCALE=60 `rate(1 minute)` fires every second and `cron(0/5 * * * ? *)` every five
 * seconds, while at TIME_SCALE=1 a cron rule fires at the wall-clock minutes it names (UTC, as
 * EventBridge), but never more than once a second (MIN_REAL_GAP_MS). A rule whose previous invocation still runs skips the tick: the sweeper-style
 * jobs these rules drive must not pile up when a scaled clock outpaces them. Failed invocations
 * are logged; EventBridge's async retries are not played.
 */

export type Schedule =
  | { readonly kind: 'rate'; readonly periodMs: number }
  /** Minutes and hours (UTC) to fire at; every day. */
  | { readonly kind: 'cron'; readonly minutes: ReadonlySet<number>; readonly hours: ReadonlySet<number> };

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/**
 * `rate(value unit)` fully, and `cron(...)` for minute and hour fields made of `*`, `n`, `a-b`,
 * steps (`0/5`, `*` with `/5`) and lists, on every day: the every-N-minutes, hourly and daily forms. Day, month, weekday
 * and year fields other than wildcards are rejected, as is anything EventBridge would reject.
 */
export function parseScheduleExpression(expression: string, where = 'ScheduleExpression'): Schedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    // EventBridge's own rule: singular unit for 1, plural otherwise (`rate(1 minutes)` is refused).
    if (value < 1 || (value === 1) !== !unit.endsWith('s')) throw new TemplateError(`${where}: invalid rate "${expression}"`);
    return { kind: 'rate', periodMs: value * UNIT_MS[unit.replace(/s$/, '') as keyof typeof UNIT_MS] };
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (!cron) throw new TemplateError(`${where}: "${expression}" is neither rate(...) nor cron(...)`);
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) throw new TemplateError(`${where}: cron takes six fields (minutes hours day-of-month month day-of-week year), got "${expression}"`);
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
  const everyDay = (dayOfMonth === '?' && dayOfWeek === '*') || (dayOfMonth === '*' && dayOfWeek === '?');
  if (!everyDay || month !== '*' || year !== '*') {
    throw new TemplateError(`${where}: only cron rules that fire every day are run locally ("* * ? *" or "? * * *" after the hours), got "${expression}"`);
  }
  return { kind: 'cron', minutes: cronField(minutes, 0, 59, `${where} minutes`), hours: cronField(hours, 0, 23, `${where} hours`) };
}

function cronField(text: string, min: number, max: number, where: string): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw new TemplateError(`${where}: "${part}" is not supported locally`);
    const [, , from, to, step] = match;
    const start = from === undefined ? min : Number(from);
    // `a/n` runs from a to the end of the range, as in EventBridge.
    const end = to !== undefined ? Number(to) : from === undefined || step !== undefined ? max : start;
    const stride = step === undefined ? 1 : Number(step);
    if (start < min || end > max || start > end || stride < 1) throw new TemplateError(`${where}: "${part}" is out of range ${min}-${max}`);
    for (let value = start; value <= end; value += stride) values.add(value);
  }
  return values;
}

/** TIME_SCALE as the functions read it (shared/config/runtime.ts): a positive number, 1 when unset. */
export function parseTimeScale(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`TIME_SCALE must be a positive number, got "${raw}"`);
  return scale;
}

/**
 * The next firing on the scaled clock strictly after `now`: rates count whole periods from the
 * start, as EventBridge counts from the rule's creation; cron looks for the next matching minute.
 */
export function nextFiring(schedule: Schedule, startMs: number, nowMs: number): number {
  if (schedule.kind === 'rate') return startMs + (Math.floor((nowMs - startMs) / schedule.periodMs) + 1) * schedule.periodMs;
  let minute = Math.floor(nowMs / 60_000) * 60_000 + 60_000;
  // Every schedule that parses matches at least once a day.
  for (let i = 0; i <= 24 * 60; i++, minute += 60_000) {
    const at = new Date(minute);
    if (schedule.minutes.has(at.getUTCMinutes()) && schedule.hours.has(at.getUTCHours())) return minute;
  }
  throw new Error('cron schedule never fires');
}

export function ruleArn(region: string, name: string, accountId = LOCAL_ACCOUNT_ID): string {
  return `arn:aws:events:${region}:${accountId}:rule/${name}`;
}

/** The event EventBridge sends a target of a scheduled rule without Input. */
export function scheduledEvent(arn: string, region: string, accountId: string, time: Date): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: accountId,
    // EventBridge writes whole seconds.
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [arn],
    detail: {},
  };
}

export interface SchedulerOptions {
  readonly schedules: readonly ScheduleModel[];
  readonly invoke: (functionLogicalId: string, event: unknown) => Promise<unknown>;
  readonly region: string;
  readonly accountId?: string;
  /** Schedules run this many times faster; default 1. */
  readonly timeScale?: number;
  readonly log?: (line: string) => void;
}

export interface Scheduler {
  stop(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 2_500;

/**
 * However fast the scaled clock runs, a rule fires at most once a second of real time, and the
 * ticks due in between are dropped. The jobs these rules drive (the sweeper) act only on what is
 * overdue by a grace of 10 s or more (SWEEP_GRACE_FLOOR_MS), so firing more often than this
 * would only repeat runs that find nothing new.
 */
export const MIN_REAL_GAP_MS = 1_000;

export function startScheduler(options: SchedulerOptions): Scheduler {
  const scale = options.timeScale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`timeScale must be a positive number, got ${scale}`);
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const log = options.log ?? (() => undefined);
  const startedAt = Date.now();
  // The scaled clock reads the real time at start and runs `scale` times faster from there.
  const scaledNow = () => startedAt + (Date.now() - startedAt) * scale;
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let stopped = false;

  for (const rule of options.schedules) {
    const schedule = parseScheduleExpression(rule.scheduleExpression, `${rule.logicalId}.ScheduleExpression`);
    const arn = ruleArn(options.region, rule.logicalId, accountId);
    let inFlight: Promise<void> | undefined;
    let skipped = 0;

    const fire = () => {
      if (stopped) return;
      if (inFlight) {
        skipped++;
        return;
      }
      const event = scheduledEvent(arn, options.region, accountId, new Date());
      inFlight = Promise.all(
        rule.targets.map(async (target) => {
          try {
            await options.invoke(target.functionLogicalId, target.input === undefined ? event : JSON.parse(target.input));
          } catch (error) {
            log(`${rule.logicalId}: ${target.functionLogicalId} failed: ${(error as Error).name}: ${(error as Error).message}`);
          }
        }),
      ).then(() => {
        if (skipped) log(`${rule.logicalId}: skipped ${skipped} tick(s) while the previous invocation ran`);
        skipped = 0;
        running.delete(inFlight!);
        inFlight = undefined;
      });
      running.add(inFlight);
    };

    // The firing last armed for: a timer that fires a hair early must not arm the same one again.
    let due = startedAt;
    let firedAt = -Infinity;
    const arm = () => {
      if (stopped) return;
      const now = scaledNow();
      due = nextFiring(schedule, startedAt, Math.max(now, due));
      const timer = setTimeout(() => {
        timers.delete(timer);
        firedAt = Date.now();
        // Re-arm first: the next tick is due on the clock whatever this one does.
        arm();
        fire();
      }, Math.max(0, (due - now) / scale, firedAt + MIN_REAL_GAP_MS - Date.now()));
      timers.add(timer);
    };
    arm();
  }

  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      // An invocation still running is let finish briefly, then abandoned to the function runtime's stop.
      await Promise.race([Promise.allSettled([...running]), sleep(SHUTDOWN_GRACE_MS, undefined, { ref: false })]);
    },
  };
}
