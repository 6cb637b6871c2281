import { describe, expect, it } from 'vitest';
import { WorkingHoursSchema } from '../routing/working-hours.ts';
import { parseWorkingHoursText } from './working-hours-text.ts';

describe('working hours as one line of text', () => {
  it('given ranges, single days and split shifts, when parsed, then each named day gets its shifts and the rest are off', () => {
    const parsed = parseWorkingHoursText('mon-wed 08:00-12:00 13:00-17:00; Friday 9:00-13:00 | sat 10:00-14:00');

    expect(parsed).toEqual({
      ok: true,
      hours: {
        mon: [['08:00', '12:00'], ['13:00', '17:00']],
        tue: [['08:00', '12:00'], ['13:00', '17:00']],
        wed: [['08:00', '12:00'], ['13:00', '17:00']],
        fri: [['09:00', '13:00']],
        sat: [['10:00', '14:00']],
      },
    });
    expect(parsed.ok && WorkingHoursSchema.safeParse(parsed.hours).success).toBe(true);
  });

  it('given a range over the weekend, when parsed, then it wraps from sunday to monday', () => {
    const parsed = parseWorkingHoursText('fri-mon 22:00-06:00');

    expect(parsed.ok && Object.keys(parsed.hours)).toEqual(['fri', 'sat', 'sun', 'mon']);
  });

  it.each([
    ['', /no hours given/],
    ['someday 09:00-17:00', /"someday" is not a day/],
    ['mon-fri', /has no shift/],
    ['mon-fri 9 to 5', /"9" is not a shift/],
  ])('given "%s", when parsed, then it says what is wrong', (text, message) => {
    const parsed = parseWorkingHoursText(text);

    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toMatch(message);
  });
});
