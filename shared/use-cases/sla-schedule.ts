import type { SlaTimerInput } from '../adapters/sla-timer.ts';
import type { Lead } from '../domain/lead.ts';
import { addBusinessTime } from '../routing/business-clock.ts';
import type { Team, TierSettings } from '../routing/config-schema.ts';

/** Real milliseconds of a configured number of minutes (time-scaled locally). */
export type MinutesToMs = (minutes: number) => number;

/**
 * `minutes` of SLA time after `start` on the team's clock: wall-clock time, or only the team's
 * business hours when it has them (a lead posted at midnight is due in the morning).
 */
export function afterSlaTime(start: Date, minutes: number, team: Pick<Team, 'businessHours'>, toMs: MinutesToMs): Date {
  const ms = toMs(minutes);
  const hours = team.businessHours;
  return hours ? addBusinessTime(start, ms, hours.hours, hours.timeZone) : new Date(start.getTime() + ms);
}

/** The SLA counts from receipt, or from the moment a lead nobody contacted was reassigned. */
const slaStart = (lead: Pick<Lead, 'receivedAt' | 'slaStartedAt'>) => new Date(lead.slaStartedAt ?? lead.receivedAt);

/** The contact deadline under the SLA of the lead's tier, on the team's clock. */
export function contactDeadlineFor(
  lead: Pick<Lead, 'receivedAt' | 'slaStartedAt'>,
  team: Pick<Team, 'businessHours'>,
  window: TierSettings['hot'],
  toMs: MinutesToMs,
): string {
  return afterSlaTime(slaStart(lead), window.contactMinutes, team, toMs).toISOString();
}

/**
 * The timer of one attempt: until when the owner may accept (now, for a lead that is already
 * accepted or only waits in the queue), when they are reminded, and the contact deadline.
 * Without a reminder, `reminderAt` is the deadline itself and the reminder step finds nothing to do.
 */
export function slaTimerFor(
  lead: Pick<Lead, 'id' | 'attempt' | 'tier' | 'receivedAt' | 'slaStartedAt' | 'contactDeadline' | 'offeredAt' | 'status'>,
  team: Pick<Team, 'businessHours'>,
  tiers: TierSettings,
  toMs: MinutesToMs,
  now: Date,
): SlaTimerInput {
  const window = tiers[lead.tier ?? 'warm'];
  const acceptDeadline =
    lead.status === 'OFFERED' ? afterSlaTime(new Date(lead.offeredAt ?? now.toISOString()), window.acceptMinutes, team, toMs).toISOString() : now.toISOString();
  const reminderAt =
    window.remindMinutesBefore > 0
      ? afterSlaTime(slaStart(lead), window.contactMinutes - window.remindMinutesBefore, team, toMs).toISOString()
      : lead.contactDeadline;
  return { leadId: lead.id, attempt: lead.attempt, acceptDeadline, reminderAt, contactDeadline: lead.contactDeadline };
}
