import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addBusinessTime, BusinessHoursSchema } from './business-clock.ts';
import { isWithinWorkingHours, Weekdays, type Weekday, type WorkingHours } from './working-hours.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const nineToFive: [string, string] = ['09:00', '17:00'];
const officeWeek: WorkingHours = { mon: [nineToFive], tue: [nineToFive], wed: [nineToFive], thu: [nineToFive], fri: [nineToFive] };

const add = (iso: string, ms: number, hours: WorkingHours, timeZone: string) => addBusinessTime(new Date(iso), ms, hours, timeZone).toISOString();

describe('addBusinessTime', () => {
  describe('given a Mon–Fri 09:00–17:00 team in Europe/Berlin', () => {
    it('when a lead arrives at midnight with 30 minutes, then it is due at 09:30 Berlin that morning', () => {
      // Tuesday 2026-03-03 00:00 CET
      expect(add('2026-03-02T23:00:00Z', 30 * MINUTE, officeWeek, 'Europe/Berlin')).toBe('2026-03-03T08:30:00.000Z');
    });

    it('when a lead arrives Friday 16:50 with 30 minutes, then it is due Monday 09:20', () => {
      expect(add('2026-03-06T15:50:00Z', 30 * MINUTE, officeWeek, 'Europe/Berlin')).toBe('2026-03-09T08:20:00.000Z');
    });

    it('when a lead arrives Tuesday 10:00 with 30 minutes, then the clock simply runs', () => {
      expect(add('2026-03-03T09:00:00Z', 30 * MINUTE, officeWeek, 'Europe/Berlin')).toBe('2026-03-03T09:30:00.000Z');
    });

    it('when the duration is exactly what is left of the day, then it is due at the close, not the next morning', () => {
      expect(add('2026-03-03T15:30:00Z', 30 * MINUTE, officeWeek, 'Europe/Berlin')).toBe('2026-03-03T16:00:00.000Z');
    });

    it('when 15 seconds are scaled down for a demo at 16:59:50, then 5 seconds carry over to 09:00:05 the next day', () => {
      expect(add('2026-03-03T15:59:50Z', 15_000, officeWeek, 'Europe/Berlin')).toBe('2026-03-04T08:00:05.000Z');
    });

    it('when the duration spans several days, then only the working hours count (20 hours from Monday 09:00 is Wednesday 13:00)', () => {
      expect(add('2026-03-02T08:00:00Z', 20 * HOUR, officeWeek, 'Europe/Berlin')).toBe('2026-03-04T12:00:00.000Z');
    });
  });

  describe('given a zero duration', () => {
    it('when the start is inside business hours, then the start itself is returned', () => {
      expect(add('2026-03-03T10:15:30.250Z', 0, officeWeek, 'UTC')).toBe('2026-03-03T10:15:30.250Z');
    });

    it('when the start is outside business hours, then the next opening is returned', () => {
      expect(add('2026-03-07T12:00:00Z', 0, officeWeek, 'UTC')).toBe('2026-03-09T09:00:00.000Z');
    });

    it('when the start is exactly at a close, then the next opening is returned (the close is not business time)', () => {
      expect(add('2026-03-03T17:00:00Z', 0, officeWeek, 'UTC')).toBe('2026-03-04T09:00:00.000Z');
    });
  });

  describe('given split shifts', () => {
    const lunchBreak: WorkingHours = { mon: [['09:00', '12:00'], ['13:00', '17:00']] };

    it('when the time runs into the lunch break, then the break is skipped', () => {
      expect(add('2026-03-02T11:45:00Z', 30 * MINUTE, lunchBreak, 'UTC')).toBe('2026-03-02T13:15:00.000Z');
    });

    it('when a lead arrives during the lunch break, then the clock starts at 13:00', () => {
      expect(add('2026-03-02T12:10:00Z', 30 * MINUTE, lunchBreak, 'UTC')).toBe('2026-03-02T13:30:00.000Z');
    });

    it('when shifts overlap, then the overlap is counted once', () => {
      const overlapping: WorkingHours = { mon: [['11:00', '15:00'], ['09:00', '13:00']] };
      expect(add('2026-03-02T09:00:00Z', 6 * HOUR, overlapping, 'UTC')).toBe('2026-03-02T15:00:00.000Z');
      expect(add('2026-03-02T09:00:00Z', 6 * HOUR + 1, overlapping, 'UTC')).toBe('2026-03-09T09:00:00.001Z');
    });
  });

  describe('given an overnight shift', () => {
    it('when a lead arrives Monday 23:00 on a 22:00–06:00 Monday shift, then the clock runs past midnight', () => {
      expect(add('2026-03-02T23:00:00Z', 3 * HOUR, { mon: [['22:00', '06:00']] }, 'UTC')).toBe('2026-03-03T02:00:00.000Z');
    });

    it('when the shift ends Tuesday 06:00, then the rest waits for next Monday 22:00', () => {
      expect(add('2026-03-03T05:30:00Z', HOUR, { mon: [['22:00', '06:00']] }, 'UTC')).toBe('2026-03-09T22:30:00.000Z');
    });

    it('when a Sunday night shift wraps into Monday, then early Monday is business time', () => {
      expect(add('2026-03-02T01:00:00Z', 30 * MINUTE, { sun: [['22:00', '02:00']] }, 'UTC')).toBe('2026-03-02T01:30:00.000Z');
    });

    it('when the lead arrives in a Tokyo night shift on a UTC Sunday, then the local day decides', () => {
      // Monday 2026-03-02 08:30 in Tokyo is Sunday 23:30 UTC.
      expect(add('2026-03-01T23:30:00Z', HOUR, { mon: [['08:00', '17:00']] }, 'Asia/Tokyo')).toBe('2026-03-02T00:30:00.000Z');
    });
  });

  describe('given a shift ending at 24:00', () => {
    it('when the time fills the shift exactly, then it is due at midnight', () => {
      expect(add('2026-03-02T23:00:00Z', HOUR, { mon: [['18:00', '24:00']] }, 'UTC')).toBe('2026-03-03T00:00:00.000Z');
    });

    it('when the next day starts at 00:00, then the clock runs on through midnight', () => {
      const hours: WorkingHours = { sat: [['18:00', '24:00']], sun: [['00:00', '02:00']] };
      expect(add('2026-03-07T23:50:00Z', 20 * MINUTE, hours, 'UTC')).toBe('2026-03-08T00:10:00.000Z');
    });

    it('when midnight is written as an overnight end "00:00", then it means the same as "24:00"', () => {
      expect(add('2026-03-02T23:00:00Z', 2 * HOUR, { mon: [['18:00', '00:00']] }, 'UTC')).toBe(
        add('2026-03-02T23:00:00Z', 2 * HOUR, { mon: [['18:00', '24:00']] }, 'UTC'),
      );
    });
  });

  describe('given daylight-saving changes in Europe/Berlin', () => {
    it('when the weekend holds the spring switch, then Monday opens at 09:00 CEST (07:00 UTC)', () => {
      // Friday 2026-03-27 16:30 CET
      expect(add('2026-03-27T15:30:00Z', HOUR, officeWeek, 'Europe/Berlin')).toBe('2026-03-30T07:30:00.000Z');
    });

    it('when the weekend holds the autumn switch, then Monday opens at 09:00 CET (08:00 UTC)', () => {
      // Friday 2026-10-23 16:30 CEST
      expect(add('2026-10-23T14:30:00Z', HOUR, officeWeek, 'Europe/Berlin')).toBe('2026-10-26T08:30:00.000Z');
    });

    it('when a 01:00–04:00 shift lies on the spring switch day, then it holds two real hours', () => {
      const hours: WorkingHours = { sun: [['01:00', '04:00']] };
      expect(add('2026-03-28T12:00:00Z', 0, hours, 'Europe/Berlin')).toBe('2026-03-29T00:00:00.000Z');
      expect(add('2026-03-28T12:00:00Z', 90 * MINUTE, hours, 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
      expect(add('2026-03-28T12:00:00Z', 2 * HOUR, hours, 'Europe/Berlin')).toBe('2026-03-29T02:00:00.000Z'); // 04:00 CEST
      expect(add('2026-03-28T12:00:00Z', 2 * HOUR + 1, hours, 'Europe/Berlin')).toBe('2026-04-04T23:00:00.001Z'); // next Sunday 01:00 CEST
    });

    it('when a shift opens inside the skipped hour, then it opens at the first instant after the gap', () => {
      // 02:30 does not exist on 2026-03-29; 03:00 CEST (01:00 UTC) comes right after 01:59:59.999 CET.
      expect(add('2026-03-28T12:00:00Z', 0, { sun: [['02:30', '05:00']] }, 'Europe/Berlin')).toBe('2026-03-29T01:00:00.000Z');
    });

    it('when a shift lies wholly in the skipped hour, then that Sunday has no business time', () => {
      expect(add('2026-03-28T12:00:00Z', 0, { sun: [['02:00', '03:00']] }, 'Europe/Berlin')).toBe('2026-04-05T00:00:00.000Z');
    });

    it('when a 01:00–05:00 shift lies on the autumn switch day, then it holds five real hours', () => {
      const hours: WorkingHours = { sun: [['01:00', '05:00']] };
      // 01:00 CEST is 23:00 UTC on Saturday; 05:00 CET is 04:00 UTC.
      expect(add('2026-10-24T12:00:00Z', 0, hours, 'Europe/Berlin')).toBe('2026-10-24T23:00:00.000Z');
      expect(add('2026-10-24T12:00:00Z', 5 * HOUR, hours, 'Europe/Berlin')).toBe('2026-10-25T04:00:00.000Z');
    });
  });

  describe('given daylight-saving changes in America/New_York', () => {
    it('when the weekend holds the spring switch, then Monday opens at 09:00 EDT (13:00 UTC)', () => {
      // Friday 2026-03-06 16:30 EST
      expect(add('2026-03-06T21:30:00Z', HOUR, officeWeek, 'America/New_York')).toBe('2026-03-09T13:30:00.000Z');
    });

    it('when a 00:00–03:00 shift lies on the autumn switch day, then it holds four real hours', () => {
      const hours: WorkingHours = { sun: [['00:00', '03:00']] };
      expect(add('2026-10-31T12:00:00Z', 0, hours, 'America/New_York')).toBe('2026-11-01T04:00:00.000Z');
      expect(add('2026-10-31T12:00:00Z', 4 * HOUR, hours, 'America/New_York')).toBe('2026-11-01T08:00:00.000Z');
    });

    it('when a 01:00–01:30 shift is passed twice on the autumn switch day, then both passes count, as for availability', () => {
      const hours: WorkingHours = { sun: [['01:00', '01:30']] };
      // 01:00–01:30 EDT is 05:00–05:30 UTC, 01:00–01:30 EST is 06:00–06:30 UTC.
      expect(add('2026-10-31T12:00:00Z', 45 * MINUTE, hours, 'America/New_York')).toBe('2026-11-01T06:15:00.000Z');
    });
  });

  describe('given input that cannot be served', () => {
    it.each([
      ['no weekday', {}],
      ['only empty weekdays', { mon: [], fri: [] }],
    ])('when the hours have %s, then a RangeError says a shift is needed', (_name, hours) => {
      expect(() => addBusinessTime(new Date('2026-03-02T00:00:00Z'), MINUTE, hours, 'UTC')).toThrow(/at least one shift/);
      expect(() => addBusinessTime(new Date('2026-03-02T00:00:00Z'), 0, hours, 'UTC')).toThrow(RangeError);
    });

    it('when the duration does not fit into 400 days, then a RangeError is thrown instead of walking on', () => {
      const tiny: WorkingHours = { mon: [['09:00', '09:01']] };
      expect(() => addBusinessTime(new Date('2026-03-02T00:00:00Z'), 100 * MINUTE, tiny, 'UTC')).toThrow(RangeError);
      expect(add('2026-03-02T00:00:00Z', 50 * MINUTE, tiny, 'UTC')).toBe('2027-02-08T09:01:00.000Z');
    });

    it.each([
      ['negative', -1],
      ['NaN', Number.NaN],
      ['infinite', Number.POSITIVE_INFINITY],
    ])('when the duration is %s, then a RangeError is thrown', (_name, ms) => {
      expect(() => addBusinessTime(new Date('2026-03-02T00:00:00Z'), ms, officeWeek, 'UTC')).toThrow(RangeError);
    });

    it('when the start is an invalid date, then a RangeError is thrown', () => {
      expect(() => addBusinessTime(new Date('not a date'), MINUTE, officeWeek, 'UTC')).toThrow(RangeError);
    });

    it('when the zone is unknown, then a RangeError is thrown', () => {
      expect(() => addBusinessTime(new Date('2026-03-02T00:00:00Z'), MINUTE, officeWeek, 'Mars/Olympus')).toThrow(RangeError);
    });
  });
});

describe('BusinessHoursSchema', () => {
  it('given a zone and a week of shifts, then it is accepted as given', () => {
    const config = { timeZone: 'Europe/Berlin', hours: officeWeek };
    expect(BusinessHoursSchema.parse(config)).toEqual(config);
  });

  it.each([
    ['an unknown zone', 'timeZone', { timeZone: 'Europe/Atlantis', hours: officeWeek }],
    ['no shift at all', 'hours', { timeZone: 'UTC', hours: {} }],
    ['only empty weekdays', 'hours', { timeZone: 'UTC', hours: { mon: [] } }],
    ['a bad shift', 'hours.mon.0', { timeZone: 'UTC', hours: { mon: [['09:00', '09:00']] } }],
    ['an unknown key', '(the object)', { timeZone: 'UTC', hours: officeWeek, holidays: [] }],
  ])('given %s, then it is rejected at %s', (_name, where, config) => {
    const path = where === '(the object)' ? '' : where;
    const result = BusinessHoursSchema.safeParse(config);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join('.')).toBe(path);
  });

  it('given no shift, then the message says so', () => {
    expect(BusinessHoursSchema.safeParse({ timeZone: 'UTC', hours: {} }).error?.issues[0]?.message).toBe('business hours need at least one shift');
  });
});

/*
 * The reference measures business time by asking isWithinWorkingHours, the predicate reps are
 * routed by, at sampled instants. Generated shifts start and end on a 15-minute grid, and every
 * zone below has offsets and switch instants on a 15-minute grid in UTC too, so the predicate is
 * constant within each UTC quarter hour and one sample per quarter hour measures exactly.
 */
const QUARTER = 15 * MINUTE;

function businessMsBetween(hours: WorkingHours, timeZone: string, from: number, to: number): number {
  let total = 0;
  for (let block = Math.floor(from / QUARTER) * QUARTER; block < to; block += QUARTER) {
    if (isWithinWorkingHours(hours, timeZone, new Date(block))) total += Math.min(block + QUARTER, to) - Math.max(block, from);
  }
  return total;
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

// Shifts of at least an hour keep every week's business time above an hour, so the reference
// never has to sample more than a few weeks.
const arbShift = fc
  .record({ start: fc.integer({ min: 0, max: 95 }), quarters: fc.integer({ min: 4, max: 56 }), midnightAs24: fc.boolean() })
  .map(({ start, quarters, midnightAs24 }): [string, string] => {
    const end = ((start + quarters) % 96) * 15;
    return [hhmm(start * 15), end === 0 && midnightAs24 ? '24:00' : hhmm(end)];
  });
const arbHours = fc
  .uniqueArray(fc.constantFrom(...Weekdays), { minLength: 1, maxLength: 7 })
  .chain((days) => fc.tuple(...days.map((day) => fc.tuple(fc.constant<Weekday>(day), fc.array(arbShift, { minLength: 1, maxLength: 3 })))))
  .map((entries): WorkingHours => Object.fromEntries(entries));
// Lord Howe moves its clocks by half an hour; Kolkata sits half an hour off the hour all year.
const arbZone = fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata');
const YEAR_START = Date.parse('2026-01-01T00:00:00Z');
const SWITCH_DAYS = ['2026-03-08', '2026-03-29', '2026-04-05', '2026-10-04', '2026-10-25', '2026-11-01'].map((day) => Date.parse(`${day}T00:00:00Z`));
const arbStart = fc.oneof(
  fc.integer({ min: YEAR_START, max: YEAR_START + 365 * 24 * HOUR }),
  fc.tuple(fc.constantFrom(...SWITCH_DAYS), fc.integer({ min: -3 * 24 * HOUR, max: 3 * 24 * HOUR })).map(([day, shift]) => day + shift),
);
const arbDuration = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30_000 }), fc.integer({ min: 1, max: 3 * HOUR }));

describe('addBusinessTime properties', () => {
  it('given any hours, zone, start and duration, then exactly the duration of business time lies between start and result', () => {
    fc.assert(
      fc.property(arbHours, arbZone, arbStart, arbDuration, (hours, timeZone, start, duration) => {
        const result = addBusinessTime(new Date(start), duration, hours, timeZone).getTime();
        expect(result).toBeGreaterThanOrEqual(start);
        expect(businessMsBetween(hours, timeZone, start, result)).toBe(duration);
        // Inside or at the close of a span: the instant just before (or, for zero, at) the result is business time.
        expect(isWithinWorkingHours(hours, timeZone, new Date(duration > 0 ? result - 1 : result))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('given two positive durations, then adding one after the other equals adding their sum', () => {
    fc.assert(
      fc.property(arbHours, arbZone, arbStart, fc.integer({ min: 1, max: 2 * HOUR }), fc.integer({ min: 1, max: 2 * HOUR }), (hours, timeZone, start, a, b) => {
        const first = addBusinessTime(new Date(start), a, hours, timeZone);
        expect(addBusinessTime(first, b, hours, timeZone).getTime()).toBe(addBusinessTime(new Date(start), a + b, hours, timeZone).getTime());
      }),
      { numRuns: 100 },
    );
  });
});
