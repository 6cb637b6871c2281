import { describe, expect, it } from 'vitest';
import { isWithinWorkingHours, periodKeys, WorkingHoursSchema, type WorkingHours } from './working-hours.ts';

const nineToFive: WorkingHours = { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']] };
const within = (hours: WorkingHours | undefined, timeZone: string, iso: string) => isWithinWorkingHours(hours, timeZone, new Date(iso));

describe('isWithinWorkingHours', () => {
  it('given no working hours, then the rep is always available', () => {
    expect(within(undefined, 'Europe/Berlin', '2026-03-01T03:00:00Z')).toBe(true);
  });

  it.each([
    ['Monday 09:00 sharp', '2026-03-02T09:00:00Z', true],
    ['Monday 16:59', '2026-03-02T16:59:00Z', true],
    ['Monday 17:00 (end is exclusive)', '2026-03-02T17:00:00Z', false],
    ['Monday 08:59', '2026-03-02T08:59:00Z', false],
    ['Wednesday, a day without shifts', '2026-03-04T10:00:00Z', false],
  ])('given 9-to-5 in UTC, at %s, then within is %s', (_name, iso, expected) => {
    expect(within(nineToFive, 'UTC', iso)).toBe(expected);
  });

  it.each([
    ['winter: 07:30 UTC is 08:30 CET', '2026-03-23T07:30:00Z', false],
    ['winter: 16:30 UTC is 17:30 CET', '2026-03-23T16:30:00Z', false],
    ['summer: 07:30 UTC is 09:30 CEST', '2026-03-30T07:30:00Z', true],
    ['summer: 15:30 UTC is 17:30 CEST', '2026-03-30T15:30:00Z', false],
  ])('given 9-to-5 in Europe/Berlin around the spring switch, %s, then within is %s', (_name, iso, expected) => {
    expect(within(nineToFive, 'Europe/Berlin', iso)).toBe(expected);
  });

  it.each([
    ['00:30 UTC = 01:30 CET', '2026-03-29T00:30:00Z', true],
    ['01:30 UTC = 03:30 CEST', '2026-03-29T01:30:00Z', true],
    ['02:00 UTC = 04:00 CEST', '2026-03-29T02:00:00Z', false],
  ])('given a 01:00-04:00 shift on the Berlin switch day, at %s, then within is %s', (_name, iso, expected) => {
    expect(within({ sun: [['01:00', '04:00']] }, 'Europe/Berlin', iso)).toBe(expected);
  });

  it('given a shift in the hour Berlin skips on the switch day, then the rep is never within it', () => {
    const skipped: WorkingHours = { sun: [['02:00', '03:00']] };
    const minutes = Array.from({ length: 4 * 60 }, (_, i) => new Date(Date.parse('2026-03-28T23:00:00Z') + i * 60_000));
    expect(minutes.some((at) => isWithinWorkingHours(skipped, 'Europe/Berlin', at))).toBe(false);
  });

  it.each([
    ['EST: 13:30 UTC is 08:30', '2026-03-02T13:30:00Z', false],
    ['EDT: 13:30 UTC is 09:30', '2026-03-09T13:30:00Z', true],
    ['EDT: 20:30 UTC is 16:30', '2026-03-10T20:30:00Z', true],
  ])('given 9-to-5 in America/New_York around its spring switch, %s, then within is %s', (_name, iso, expected) => {
    expect(within(nineToFive, 'America/New_York', iso)).toBe(expected);
  });

  it('given a 01:00-02:00 shift on the New York autumn switch day, then both occurrences of 01:30 are within', () => {
    const hours: WorkingHours = { sun: [['01:00', '02:00']] };
    expect(within(hours, 'America/New_York', '2026-11-01T05:30:00Z')).toBe(true); // 01:30 EDT
    expect(within(hours, 'America/New_York', '2026-11-01T06:30:00Z')).toBe(true); // 01:30 EST
    expect(within(hours, 'America/New_York', '2026-11-01T07:30:00Z')).toBe(false); // 02:30 EST
  });

  it.each([
    ['Monday 23:00', '2026-03-02T23:00:00Z', true],
    ['Tuesday 05:59', '2026-03-03T05:59:00Z', true],
    ['Tuesday 06:00', '2026-03-03T06:00:00Z', false],
    ['Monday 21:59', '2026-03-02T21:59:00Z', false],
    ['Monday 03:00 (Sunday night is off)', '2026-03-02T03:00:00Z', false],
  ])('given an overnight shift 22:00-06:00 on Monday, at %s, then within is %s', (_name, iso, expected) => {
    expect(within({ mon: [['22:00', '06:00']] }, 'UTC', iso)).toBe(expected);
  });

  it('given a Sunday night shift, when it is early Monday, then the shift wraps round the week', () => {
    expect(within({ sun: [['22:00', '02:00']] }, 'UTC', '2026-03-02T01:00:00Z')).toBe(true);
  });

  it('given a rep in Tokyo, when it is Sunday evening in UTC, then their Monday morning counts', () => {
    expect(within({ mon: [['08:00', '17:00']] }, 'Asia/Tokyo', '2026-03-01T23:30:00Z')).toBe(true);
  });

  it('given a shift until 24:00, when it is 23:59, then the rep is within it', () => {
    expect(within({ mon: [['18:00', '24:00']] }, 'UTC', '2026-03-02T23:59:00Z')).toBe(true);
  });
});

describe('WorkingHoursSchema', () => {
  it.each([
    [{ mon: [['09:00', '09:00']] }, 'mon.0'],
    [{ mon: [['9:00', '17:00']] }, 'mon.0.0'],
    [{ mon: [['24:00', '06:00']] }, 'mon.0'],
    [{ monday: [['09:00', '17:00']] }, ''],
  ])('given %j, then it is rejected at %s', (hours, path) => {
    const result = WorkingHoursSchema.safeParse(hours);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join('.')).toBe(path);
  });
});

describe('periodKeys', () => {
  it.each([
    ['UTC', '2026-01-01T12:00:00Z', '2026-01-01', '2026-W01'],
    ['UTC', '2024-12-30T12:00:00Z', '2024-12-30', '2025-W01'],
    ['UTC', '2026-12-31T23:30:00Z', '2026-12-31', '2026-W53'],
    ['Europe/Berlin', '2026-12-31T23:30:00Z', '2027-01-01', '2026-W53'],
    ['America/New_York', '2026-03-02T03:00:00Z', '2026-03-01', '2026-W09'],
  ])('given %s at %s, then the day is %s and the week %s', (timeZone, iso, dayKey, weekKey) => {
    expect(periodKeys(timeZone, new Date(iso))).toEqual({ dayKey, weekKey });
  });
});
