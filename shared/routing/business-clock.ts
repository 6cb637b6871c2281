import * as z from '../zod.ts';
import { isValidTimeZone, localClock, Weekdays, WorkingHoursSchema, type WorkingHours } from './working-hours.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * How far past `start` the clock may walk. Any week with a shift has business time in it, so
 * only absurd durations (or shifts that never occur on the wall) get this far; failing loudly
 * beats a Lambda spinning until its timeout.
 */
const HORIZON_DAYS = 400;

const minutesOf = (hhmm: string): number =>
  ((hhmm.charCodeAt(0) - 48) * 10 + hhmm.charCodeAt(1) - 48) * 60 + (hhmm.charCodeAt(3) - 48) * 10 + hhmm.charCodeAt(4) - 48;

/** Per weekday (Monday first), each shift as [open, close) in ms after that day's local midnight. */
type Week = ReadonlyArray<ReadonlyArray<readonly [number, number]>>;

function weekOf(hours: WorkingHours): Week {
  return Weekdays.map((day) =>
    (hours[day] ?? []).map(([start, end]): readonly [number, number] => {
      const open = minutesOf(start) * MINUTE;
      const close = minutesOf(end) * MINUTE;
      // Same reading as withinHoursAt: an end before the start belongs to the next day.
      return [open, close > open ? close : close + DAY];
    }),
  );
}

export function hasAnyShift(hours: WorkingHours): boolean {
  return Weekdays.some((day) => (hours[day]?.length ?? 0) > 0);
}

/**
 * UTC offset in ms at an instant, read through localClock so this module sees exactly the wall
 * clock that withinHoursAt sees. Offsets of every zone in use today are whole minutes, so the
 * minute the instant falls in has the same offset as the instant itself.
 */
function offsetAt(timeZone: string, at: number): number {
  const minute = Math.floor(at / MINUTE) * MINUTE;
  const clock = localClock(timeZone, new Date(minute));
  return Date.UTC(clock.year, clock.month - 1, clock.day) + clock.minute * MINUTE - minute;
}

/**
 * The first minute after `from` whose offset differs from `offset`, given that the minute of
 * `to` already differs. Transitions fall on whole minutes, so a binary search over minutes finds
 * it in about a dozen formattings, and only on the two days a year a zone switches.
 */
function offsetChange(timeZone: string, from: number, to: number, offset: number): number {
  let same = Math.floor(from / MINUTE) * MINUTE;
  let changed = Math.floor(to / MINUTE) * MINUTE;
  while (changed - same > MINUTE) {
    const mid = same + Math.floor((changed - same) / MINUTE / 2) * MINUTE;
    if (offsetAt(timeZone, mid) === offset) same = mid;
    else changed = mid;
  }
  return changed;
}

/**
 * Business spans on the wall (ms as if local time were UTC) that overlap [from, to), merged so
 * overlapping or back-to-back shifts, a "24:00" end meeting a "00:00" start included, are
 * counted once.
 */
function wallSpans(week: Week, from: number, to: number): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  // Starting a day early picks up last night's overnight shift.
  for (let day = Math.floor(from / DAY) - 1; day * DAY < to; day++) {
    // Day 0 of the epoch, 1970-01-01, was a Thursday (index 3 from Monday).
    for (const [open, close] of week[(((day + 3) % 7) + 7) % 7] ?? []) {
      const start = day * DAY + open;
      const end = day * DAY + close;
      if (end > from && start < to) spans.push([start, end]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last !== undefined && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push(span);
  }
  return merged;
}

/**
 * The instant at which `durationMs` of business time has elapsed after `start`, counting only
 * time inside `hours` in `timeZone`.
 *
 * An instant is business time exactly when withinHoursAt says so for its wall clock, so
 * daylight saving is followed the way a rep's availability is: a 09:00 opening is 09:00 on the
 * wall in summer and in winter; a shift hour the spring switch skips is not there (a shift
 * starting inside the gap opens at the first instant after it); and a wall hour the autumn
 * switch repeats counts both times it passes.
 *
 * A result that uses up a business span exactly is that span's close (17:00, not the next
 * morning), so the deadline is the last moment of the time granted. A zero duration returns
 * `start` when it is in business hours and otherwise the next opening: an SLA of nothing is due
 * the moment someone could act on it, not in the middle of the night.
 *
 * Throws RangeError for hours without any shift, a negative or non-finite duration, an invalid
 * start, an unknown zone, or a duration not used up within 400 days of `start`.
 */
export function addBusinessTime(start: Date, durationMs: number, hours: WorkingHours, timeZone: string): Date {
  const from = start.getTime();
  if (!Number.isFinite(from)) throw new RangeError('addBusinessTime: start is not a valid date');
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    throw new RangeError(`addBusinessTime: durationMs must be a finite number ≥ 0, got ${durationMs}`);
  }
  const week = weekOf(hours);
  if (!week.some((shifts) => shifts.length > 0)) {
    throw new RangeError('addBusinessTime: business hours need at least one shift, or no business time ever elapses');
  }
  const horizon = from + HORIZON_DAYS * DAY;
  let remaining = durationMs;
  let cursor = from;
  while (cursor < horizon) {
    // Walk a day at a time, cut short at an offset change, so that within each stretch wall
    // time is instant plus one constant and spans map back by a subtraction.
    const offset = offsetAt(timeZone, cursor);
    let end = Math.min(cursor + DAY, horizon);
    if (offsetAt(timeZone, end) !== offset) end = offsetChange(timeZone, cursor, end, offset);
    for (const [wallOpen, wallClose] of wallSpans(week, cursor + offset, end + offset)) {
      const open = Math.max(wallOpen - offset, cursor);
      const close = Math.min(wallClose - offset, end);
      if (remaining <= close - open) return new Date(open + remaining);
      remaining -= close - open;
    }
    cursor = end;
  }
  throw new RangeError(
    `addBusinessTime: ${durationMs} ms of business time do not fit into the ${HORIZON_DAYS} days after ${start.toISOString()} in ${timeZone}`,
  );
}

/** A team's SLA clock: it runs only inside `hours`, read on the wall in `timeZone`. */
export const BusinessHoursSchema = z
  .strictObject({
    timeZone: z.string().check(z.refine(isValidTimeZone, 'an IANA time zone such as Europe/Berlin')),
    hours: WorkingHoursSchema,
  })
  .check(z.refine(({ hours }) => hasAnyShift(hours), { path: ['hours'], message: 'business hours need at least one shift' }));
export type BusinessHours = z.infer<typeof BusinessHoursSchema>;
