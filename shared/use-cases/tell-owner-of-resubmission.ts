import { LeadStateConflict, TemporarilyUnavailable } from '../domain/errors.ts';
import type { Lead } from '../domain/lead.ts';
import { allows } from '../domain/lifecycle.ts';
import type { RepProfile } from '../routing/eligibility.ts';
import { resubmittedEmail } from '../views/emails.ts';
import { resubmissionsLater, sendEmail } from './follow-ups.ts';
import type { LeadHistory, LeadReader, LeadTransitions, RepReader } from './ports.ts';
import type { MinutesToMs } from './sla-schedule.ts';

export interface TellOwnerDeps {
  readonly leads: LeadReader & LeadHistory & LeadTransitions;
  readonly reps: RepReader;
  readonly minutes: MinutesToMs;
  readonly now: () => Date;
}

export type TellOwnerOutcome =
  | { readonly told: string; readonly count: number }
  | { readonly told: false; readonly reason: 'lead-gone' | 'no-owner' | 'already-told' | 'summary-planned' };

/** The owner hears of resubmissions at most once per this many minutes (time-scaled locally). */
export const RESUBMISSION_NOTICE_MINUTES = 60;
/** Messages an owner's notice quotes at most; the rest are in the lead's history. */
const QUOTED_AT_MOST = 5;
/**
 * A planned summary that arrives this close before its time (the sweeper's and the router's
 * clocks disagree by a moment) is retried by the queue rather than taken for an early one.
 */
const CLOCK_SKEW_MS = 5_000;
/** Decisions taken again after a concurrent change of the lead, before the queue retries the message. */
const PASSES = 3;

/**
 * The same person got in touch again and their post joined the lead (the routing message of a
 * resubmission, or the summary planned for the end of a quiet period).
 * 1. A lead nobody holds (received, queued) needs no notice: whoever gets it sees the history.
 * 2. Resubmissions the owner has not heard of, and no notice within the last hour: one email
 *    tells them how many and what was written, in the transaction that records them as told
 *    and the notice's time, so concurrent and redelivered messages send it once.
 * 3. A notice within the hour: the owner's summary is planned for the hour's end instead, once,
 *    as a routing message recorded for then; it comes back here and goes on as in 2. So however
 *    many resubmissions come, the owner gets at most one email an hour and hears of the last.
 */
export async function tellOwnerOfResubmission(leadId: string, deps: TellOwnerDeps): Promise<TellOwnerOutcome> {
  for (let pass = 0; pass < PASSES; pass++) {
    const outcome = await decide(leadId, deps);
    if (outcome) return outcome;
  }
  throw new TemporarilyUnavailable(`lead ${leadId} kept changing while its owner was being told; the message is retried`);
}

/** One pass; undefined when the lead changed under it, and the decision must be taken again. */
async function decide(leadId: string, deps: TellOwnerDeps): Promise<TellOwnerOutcome | undefined> {
  const lead = await deps.leads.get(leadId);
  if (!lead) return { told: false, reason: 'lead-gone' };
  if (!lead.ownerId || !allows('tell-owner', lead.status)) return { told: false, reason: 'no-owner' };
  const rep = await deps.reps.get(lead.ownerId);
  if (!rep) return { told: false, reason: 'no-owner' };
  const resubmissions = lead.resubmissions ?? 0;
  const untold = resubmissions - (lead.resubmissionsTold ?? 0);
  if (untold <= 0) return { told: false, reason: 'already-told' };

  const now = deps.now();
  const quietMs = deps.minutes(RESUBMISSION_NOTICE_MINUTES);
  const quietUntil = lead.resubmissionNoticeAt ? Date.parse(lead.resubmissionNoticeAt) + quietMs : Number.NEGATIVE_INFINITY;
  try {
    if (quietUntil <= now.getTime()) {
      await deps.leads.commit('tell-owner', {
        lead,
        at: now,
        actor: 'router',
        detail: { repId: rep.id, count: untold },
        quietSince: new Date(now.getTime() - quietMs).toISOString(),
        set: { resubmissionsTold: resubmissions },
        effects: [sendEmail('resubmission-notice', await noticeFor(lead, rep, untold, deps))],
      });
      return { told: rep.id, count: untold };
    }
    const plannedFor = new Date(quietUntil).toISOString();
    if (lead.resubmissionSummaryAt === plannedFor) {
      // This may be the planned summary itself, a moment early by this clock: let the queue bring it back.
      if (quietUntil - now.getTime() <= CLOCK_SKEW_MS) throw new TemporarilyUnavailable(`the summary for lead ${leadId} is due in a moment`);
      return { told: false, reason: 'summary-planned' };
    }
    await deps.leads.commit('plan-owner-summary', {
      lead,
      at: now,
      actor: 'router',
      detail: { repId: rep.id, at: plannedFor },
      plannedFor,
      effects: [resubmissionsLater(lead.id, plannedFor)],
    });
    return { told: false, reason: 'summary-planned' };
  } catch (error) {
    if (error instanceof LeadStateConflict) return undefined;
    throw error;
  }
}

/** The notice: how many resubmissions since the owner last heard (or got the lead), quoting the newest. */
async function noticeFor(lead: Lead, rep: RepProfile, count: number, deps: TellOwnerDeps) {
  const resubmitted = (await deps.leads.history(lead.id)).filter((event) => event.kind === 'resubmitted');
  const latest = resubmitted.slice(-Math.min(count, QUOTED_AT_MOST)).map((event) => {
    const message = (event.detail?.contact as { message?: unknown } | undefined)?.message;
    return { at: event.at, ...(typeof message === 'string' ? { message } : {}) };
  });
  return resubmittedEmail({ lead, rep, count, since: lead.resubmissionNoticeAt ?? lead.offeredAt ?? lead.receivedAt, latest });
}
