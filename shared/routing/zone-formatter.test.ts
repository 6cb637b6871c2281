import { describe, expect, it } from 'vitest';
import { zoneFormatter } from './zone-formatter.ts';

describe('zoneFormatter', () => {
  it('given a zone formatted before, when asked for it again, then the same formatter is returned', () => {
    const formatterFor = zoneFormatter('en-GB', { hour: '2-digit', minute: '2-digit' });

    const first = formatterFor('Europe/Vienna');

    expect(formatterFor('Europe/Vienna')).toBe(first);
    expect(formatterFor('Europe/London')).not.toBe(first);
    expect(first.format(new Date('2026-01-15T12:30:00Z'))).toBe('13:30');
  });

  it('given two formats, when each is asked for the same zone, then each keeps its own options', () => {
    const clock = zoneFormatter('en-GB', { hour: '2-digit', minute: '2-digit' });
    const day = zoneFormatter('en-GB', { weekday: 'short' });

    const at = new Date('2026-01-15T23:30:00Z');

    expect(clock('Asia/Tokyo').format(at)).toBe('08:30');
    expect(day('Asia/Tokyo').format(at)).toBe('Fri');
  });

  it('given an unknown zone, when asked for it, then it throws a RangeError every time', () => {
    const formatterFor = zoneFormatter('en-US', { hour: 'numeric' });

    expect(() => formatterFor('Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => formatterFor('Mars/Olympus_Mons')).toThrow(RangeError);
  });
});
