import * as z from '../zod.ts';
import { zoneFormatter } from './zone-formatter.ts';

export const Weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof Weekdays)[number];

const Clock = z.string().check(z.regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time "HH:MM" between 00:00 and 24:00'));

/**
 * One shift as [start, end] in the rep's local time. An end before the start runs past
 * midnight into the next day (a night shift "22:00"-"06:00" listed under mon covers Monday
 * 22:00 to Tuesday 06:00). "24:00" as the end means until midnight.
 */
export const ShiftSchema = z.tuple([Clock, Clock]).check(
  z.refine(([start, end]) => start !== end, 'start and end must differ'),
  z.refine(([start]) => start !== '24:00', 'a shift cannot start at 24:00'),
);

/** Shifts per weekday; a weekday left out is a day off. */
const Day = z.optional(z.array(ShiftSchema).check(z.maxLength(8)));
export const WorkingHoursSchema = z.strictObject({ mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day, sun: Day });
export type WorkingHours = z.infer<typeof WorkingHoursSchema>;

/** Wall-clock time in one zone at one minute. */
export interface LocalClock {
  /** 0 = Monday … 6 = Sunday, the order of `Weekdays`. */
  readonly weekday: number;
  /** Minutes since local midnight. */
  readonly minute: number;
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const formatterFor = zoneFormatter('en-US', { hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
// The last clock per zone is reused within the same minute, so ranking thousands of reps costs
// one formatting per distinct zone.
const lastClock = new Map<string, { epochMinute: number; clock: LocalClock }>();

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Local date and time in an IANA zone. Intl applies the zone's daylight-saving rules, so a
 * shift written as "09:00" means nine o'clock on the wall in summer and in winter alike.
 * Throws RangeError for an unknown zone; rep profiles are validated before they get here.
 */
export function localClock(timeZone: string, now: Date): LocalClock {
  const epochMinute = Math.floor(now.getTime() / 60_000);
  const cached = lastClock.get(timeZone);
  if (cached !== undefined && cached.epochMinute === epochMinute) return cached.clock;
  const part: Record<string, number> = {};
  for (const { type, value } of formatterFor(timeZone).formatToParts(now)) {
    if (type !== 'literal') part[type] = Number(value);
  }
  const year = part.year ?? 1970;
  const month = part.month ?? 1;
  const day = part.day ?? 1;
  const clock: LocalClock = {
    weekday: (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7,
    minute: (part.hour ?? 0) * 60 + (part.minute ?? 0),
    year,
    month,
    day,
  };
  lastClock.set(timeZone, { epochMinute, clock });
  return clock;
}

const minutesOf = (hhmm: string): number =>
  ((hhmm.charCodeAt(0) - 48) * 10 + hhmm.charCodeAt(1) - 48) * 60 + (hhmm.charCodeAt(3) - 48) * 10 + hhmm.charCodeAt(4) - 48;

/** Whether a local wall-clock time falls in one of the shifts, including last night's overnight shift. */
export function withinHoursAt(hours: WorkingHours, clock: LocalClock): boolean {
  const today = hours[Weekdays[clock.weekday] as Weekday];
  if (today !== undefined) {
    for (const [start, end] of today) {
      const s = minutesOf(start);
      const e = minutesOf(end);
      if (s < e ? clock.minute >= s && clock.minute < e : clock.minute >= s) return true;
    }
  }
  const yesterday = hours[Weekdays[(clock.weekday + 6) % 7] as Weekday];
  if (yesterday !== undefined) {
    for (const [start, end] of yesterday) {
      const e = minutesOf(end);
      if (minutesOf(start) > e && clock.minute < e) return true;
    }
  }
  return false;
}

/**
 * Is the rep at work now, by the clock on their own wall?
 * No working hours at all means always available (a shared inbox, a rep who takes leads any
 * time); a weekday without shifts is a day off.
 */
export function isWithinWorkingHours(hours: WorkingHours | undefined, timeZone: string, now: Date): boolean {
  return hours === undefined || withinHoursAt(hours, localClock(timeZone, now));
}

export interface PeriodKeys {
  /** Local calendar day, `YYYY-MM-DD`. */
  readonly dayKey: string;
  /** ISO 8601 week of the local day, `YYYY-Www` (weeks start on Monday; week 1 holds the first Thursday). */
  readonly weekKey: string;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function periodKeysAt(clock: LocalClock): PeriodKeys {
  const day = Date.UTC(clock.year, clock.month - 1, clock.day);
  const thursday = new Date(day + (3 - clock.weekday) * 86_400_000);
  const isoYear = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(isoYear, 0, 1)) / (7 * 86_400_000));
  return { dayKey: `${pad(clock.year, 4)}-${pad(clock.month)}-${pad(clock.day)}`, weekKey: `${pad(isoYear, 4)}-W${pad(week)}` };
}

/**
 * The day and week a new lead counts toward for a rep's daily and weekly caps, in the rep's
 * own zone, so a cap resets at the rep's midnight and not at UTC's. The rep store keeps
 * `dayKey`/`dayCount` and `weekKey`/`weekCount` with these keys.
 */
export function periodKeys(timeZone: string, now: Date): PeriodKeys {
  return periodKeysAt(localClock(timeZone, now));
}
