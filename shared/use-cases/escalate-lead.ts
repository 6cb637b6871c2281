import type { SlaTimerInput } from '../adapters/sla-timer.ts';
import type { RoutingSettings } from '../config/stack-config.ts';
import { LeadStateConflict } from '../domain/errors.ts';
import { settledStatuses } from '../domain/lead.ts';
import { allows } from '../domain/lifecycle.ts';
import { teamById } from '../routing/config-schema.ts';
import { escalationEmail, offerMovedEmail } from '../views/emails.ts';
import { drainTeam, routeAgain, sendEmail } from './follow-ups.ts';
import type { LeadHistory, LeadReader, LeadTransitions, RepReader } from './ports.ts';

export interface EscalateLeadDeps {
  readonly leads: LeadReader & LeadTransitions & LeadHistory;
  readonly reps: RepReader;
  readonly settings: RoutingSettings;
  readonly now: () => Date;
  /** Set when the sweeper acts because the timer did not: recorded as `swept` before the escalation. */
  readonly swept?: Record<string, unknown>;
}

export type EscalationOutcome =
  | { readonly escalated: true; readonly to: string; readonly reassigned: boolean }
  | { readonly escalated: false; readonly reason: 'lead-gone' | 'stale-attempt' | 'settled' | 'already-escalated' };


/**
 * The contact deadline of a lead has passed.
 * 1. Ignore a timer of an old attempt or an old deadline (the lead was re-offered or reassigned;
 *    the new one has its own watcher).
 * 2. Nothing to do when someone already contacted the lead.
 * 3. Otherwise record the escalation, once per deadline, with its email to the team manager
 *    (the lead, who holds it, and its whole history) in the same transaction.
 * 4. If the team reassigns missed leads, take it from its owner in one more transaction
 *    (capacity released, never offered to them again, a fresh SLA from now), recorded with the
 *    note to the owner, the lead's routing and the team queue's drain.
 * A retried task finishes what the first run did not: each step is conditional and done once.
 */
export async function escalateLead(input: Pick<SlaTimerInput, 'leadId' | 'attempt' | 'contactDeadline'>, deps: EscalateLeadDeps): Promise<EscalationOutcome> {
  const lead = await deps.leads.get(input.leadId);
  if (!lead) return { escalated: false, reason: 'lead-gone' };
  if (lead.attempt !== input.attempt || lead.contactDeadline !== input.contactDeadline) return { escalated: false, reason: 'stale-attempt' };
  if (settledStatuses.has(lead.status)) return { escalated: false, reason: 'settled' };

  const team = teamById(deps.settings.routing, lead.teamId);
  const owner = lead.ownerId ? await deps.reps.get(lead.ownerId) : undefined;
  const reassign = team.onMissedContact === 'reassign' && owner !== undefined && allows('reassign', lead.status);
  const actor = deps.swept ? 'sweeper' : 'sla-timer';
  const before = deps.swept ? [{ kind: 'swept', actor: 'sweeper', detail: deps.swept }] : undefined;

  let escalated = false;
  if (lead.escalatedDeadline !== lead.contactDeadline) {
    const history = await deps.leads.history(lead.id);
    const timeZone = team.businessHours?.timeZone;
    const email = escalationEmail({ lead, managerEmail: team.managerEmail, owner, history, outcome: reassign ? 'reassigned' : 'kept', ...(timeZone ? { timeZone } : {}) });
    try {
      await deps.leads.commit('escalate', {
        lead,
        at: deps.now(),
        actor,
        ...(before ? { before } : {}),
        detail: { to: team.managerEmail, status: lead.status, ownerId: lead.ownerId, reassign, attempt: lead.attempt },
        effects: [sendEmail('escalation-email', email)],
      });
      escalated = true;
    } catch (error) {
      if (!(error instanceof LeadStateConflict)) throw error;
    }
  }

  if (reassign && owner) {
    const now = deps.now();
    try {
      await deps.leads.commit('reassign', {
        lead,
        // After the escalation in the history, as it happened.
        at: new Date(now.getTime() + 1),
        actor,
        detail: { attempt: lead.attempt, reason: 'not contacted by the deadline', previousOwner: owner.id },
        rep: { id: owner.id },
        set: { slaStartedAt: now.toISOString() },
        append: { missedBy: [owner.id] },
        effects: [routeAgain(lead.id), drainTeam(lead.teamId), sendEmail('moved-email', offerMovedEmail({ lead, rep: owner, why: 'reassigned' }))],
      });
    } catch (error) {
      // A retried task: the first run took it back already.
      if (!(error instanceof LeadStateConflict)) throw error;
    }
  }
  return escalated ? { escalated: true, to: team.managerEmail, reassigned: reassign } : { escalated: false, reason: 'already-escalated' };
}
