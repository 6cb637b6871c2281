import type { LeadStore } from '../adapters/lead-store.ts';
import type { Mailer } from '../adapters/mailer.ts';
import type { RepStore } from '../adapters/rep-store.ts';
import type { RoutingQueue } from '../adapters/routing-queue.ts';
import type { SlaTimerInput } from '../adapters/sla-timer.ts';
import type { RoutingSettings } from '../config/stack-config.ts';
import { LeadStateConflict } from '../domain/errors.ts';
import { after, LeadStatus, settledStatuses } from '../domain/lead.ts';
import { teamById } from '../routing/config-schema.ts';
import { escalationEmail, offerMovedEmail } from '../views/emails.ts';

export interface EscalateLeadDeps {
  readonly leads: LeadStore;
  readonly reps: RepStore;
  readonly queue: RoutingQueue;
  readonly mailer: Mailer;
  readonly settings: RoutingSettings;
  readonly now: () => Date;
}

export type EscalationOutcome =
  | { readonly escalated: true; readonly to: string; readonly reassigned: boolean }
  | { readonly escalated: false; readonly reason: 'lead-gone' | 'stale-attempt' | 'settled' | 'already-escalated' };

const held: ReadonlySet<LeadStatus> = new Set([LeadStatus.offered, LeadStatus.accepted]);

/**
 * The contact deadline of a lead has passed.
 * 1. Ignore a timer of an old attempt (the lead was re-offered; the new attempt has its own).
 * 2. Nothing to do when someone already contacted the lead.
 * 3. Otherwise email the team manager with the lead, who holds it, and its whole history, and
 *    record the escalation once per attempt (a retried task does not escalate twice).
 * 4. If the team reassigns missed leads, take it from its owner (capacity released, never
 *    offered to them again), tell them, and route it to the next rep with a fresh deadline.
 */
export async function escalateLead(input: SlaTimerInput, deps: EscalateLeadDeps): Promise<EscalationOutcome> {
  const lead = await deps.leads.get(input.leadId);
  if (!lead) return { escalated: false, reason: 'lead-gone' };
  if (lead.attempt !== input.attempt) return { escalated: false, reason: 'stale-attempt' };
  if (settledStatuses.has(lead.status)) return { escalated: false, reason: 'settled' };

  const team = teamById(deps.settings.routing, lead.teamId);
  const owner = lead.ownerId ? await deps.reps.get(lead.ownerId) : undefined;
  const reassign = team.onMissedContact === 'reassign' && owner !== undefined && held.has(lead.status);

  const alreadyEscalated = (lead.escalatedAttempt ?? -1) >= input.attempt;
  // A retried task still finishes a reassignment or a reroute the first run did not.
  if (alreadyEscalated && !reassign && lead.status !== LeadStatus.received) return { escalated: false, reason: 'already-escalated' };

  const escalatedAt = deps.now();
  if (!alreadyEscalated) {
    const history = await deps.leads.history(lead.id);
    const timeZone = team.businessHours?.timeZone;
    // Email before recording: a failure retries the task and may email twice, but never zero times.
    await deps.mailer.send(
      escalationEmail({ lead, managerEmail: team.managerEmail, owner, history, outcome: reassign ? 'reassigned' : 'kept', ...(timeZone ? { timeZone } : {}) }),
    );
    try {
      await deps.leads.markEscalated(lead.id, input.attempt, escalatedAt, { to: team.managerEmail, status: lead.status, ownerId: lead.ownerId, reassign });
    } catch (error) {
      if (!(error instanceof LeadStateConflict)) throw error;
    }
  }

  if (reassign && owner) {
    try {
      await deps.leads.reassign(lead.id, owner.id, lead.attempt, lead.status, after(escalatedAt, deps.now()));
      await deps.mailer.send(offerMovedEmail({ lead, rep: owner, why: 'reassigned' }));
    } catch (error) {
      // A retried task: the first run took it back already; make sure it is routed below.
      if (!(error instanceof LeadStateConflict)) throw error;
    }
  }
  // Routing is idempotent, so a retry sends the lead again rather than risk it sitting unrouted.
  if (reassign || lead.status === LeadStatus.received) {
    await deps.queue.enqueue({ leadId: lead.id });
    if (reassign) await deps.queue.enqueue({ drainTeam: lead.teamId });
  }
  return alreadyEscalated ? { escalated: false, reason: 'already-escalated' } : { escalated: true, to: team.managerEmail, reassigned: reassign };
}
