import { describe, expect, it } from 'vitest';
import { TierSettingsSchema } from '../routing/config-schema.ts';
import { contactDeadlineFor, slaTimerFor } from './sla-schedule.ts';

const minutes = (m: number) => m * 60_000;
const tiers = TierSettingsSchema.parse({});
const officeHours = {
  businessHours: {
    timeZone: 'Europe/Berlin',
    hours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] },
  },
} as const satisfies Parameters<typeof contactDeadlineFor>[1];

/** Friday 2026-03-06 23:50 in Berlin (CET). */
const fridayNight = '2026-03-06T22:50:00.000Z';

describe('SLA schedule', () => {
  it('given a team without business hours, when a warm lead is offered, then accept, reminder and contact deadlines count wall-clock minutes', () => {
    const lead = { id: 'l', attempt: 1, tier: 'warm' as const, status: 'OFFERED' as const, receivedAt: '2026-03-01T10:00:00.000Z', offeredAt: '2026-03-01T10:01:00.000Z' };
    const contactDeadline = contactDeadlineFor(lead, {}, tiers.warm, minutes);

    const timer = slaTimerFor({ ...lead, contactDeadline }, {}, tiers, minutes, new Date('2026-03-01T10:01:00.000Z'));

    expect(timer).toEqual({
      leadId: 'l',
      attempt: 1,
      acceptDeadline: '2026-03-01T10:16:00.000Z',
      reminderAt: '2026-03-01T11:30:00.000Z',
      contactDeadline: '2026-03-01T12:00:00.000Z',
    });
  });

  it('given an office-hours team, when a warm lead arrives late on a Friday, then its deadline is Monday 11:00 and nothing falls in the weekend', () => {
    const lead = { id: 'l', attempt: 1, tier: 'warm' as const, status: 'OFFERED' as const, receivedAt: fridayNight, offeredAt: fridayNight };
    const contactDeadline = contactDeadlineFor(lead, officeHours, tiers.warm, minutes);

    const timer = slaTimerFor({ ...lead, contactDeadline }, officeHours, tiers, minutes, new Date(fridayNight));

    expect(contactDeadline).toBe('2026-03-09T10:00:00.000Z'); // Monday 11:00 CET
    expect(timer.acceptDeadline).toBe('2026-03-09T08:15:00.000Z'); // Monday 09:15
    expect(timer.reminderAt).toBe('2026-03-09T09:30:00.000Z'); // Monday 10:30
  });

  it('given a lead reassigned after a missed deadline, when its new deadline is computed, then the SLA counts from the reassignment', () => {
    const lead = { receivedAt: '2026-03-01T10:00:00.000Z', slaStartedAt: '2026-03-01T12:00:00.000Z' };

    expect(contactDeadlineFor(lead, {}, tiers.hot, minutes)).toBe('2026-03-01T12:30:00.000Z');
  });

  it('given a queued lead and a tier without reminders, when its timer is built, then there is no accept window and the reminder falls on the deadline', () => {
    const quiet = TierSettingsSchema.parse({ warm: { remindMinutesBefore: 0 } });
    const now = new Date('2026-03-01T10:05:00.000Z');
    const lead = { id: 'l', attempt: 2, tier: 'warm' as const, status: 'QUEUED' as const, receivedAt: '2026-03-01T10:00:00.000Z', contactDeadline: '2026-03-01T12:00:00.000Z' };

    const timer = slaTimerFor(lead, {}, quiet, minutes, now);

    expect(timer.acceptDeadline).toBe(now.toISOString());
    expect(timer.reminderAt).toBe(lead.contactDeadline);
  });
});
