import type { LeadStore } from '../adapters/lead-store.ts';
import type { Mailer } from '../adapters/mailer.ts';
import type { RepStore } from '../adapters/rep-store.ts';
import type { SlaTimerInput } from '../adapters/sla-timer.ts';
import type { RoutingSettings } from '../config/stack-config.ts';
import { LeadStateConflict } from '../domain/errors.ts';
import { settledStatuses } from '../domain/lead.ts';
import { defaultTeamOf } from '../routing/config-schema.ts';
import { escalationEmail } from '../views/emails.ts';

export interface EscalateLeadDeps {
  readonly leads: LeadStore;
  readonly reps: RepStore;
  readonly mailer: Mailer;
  readonly settings: RoutingSettings;
  readonly now: () => Date;
}

export type EscalationOutcome =
  | { readonly escalated: true; readonly to: string }
  | { readonly escalated: false; readonly reason: 'lead-gone' | 'stale-attempt' | 'settled' | 'already-escalated' };

/**
 * The contact deadline of a lead has passed.
 * 1. Ignore a timer of an old attempt (the lead was re-offered; the new attempt has its own).
 * 2. Nothing to do when someone already contacted the lead.
 * 3. Otherwise email the team manager with the lead, who holds it and since when, and record
 *    the escalation once per attempt (a retried task does not escalate twice).
 */
export async function escalateLead(input: SlaTimerInput, deps: EscalateLeadDeps): Promise<EscalationOutcome> {
  const lead = await deps.leads.get(input.leadId);
  if (!lead) return { escalated: false, reason: 'lead-gone' };
  if (lead.attempt !== input.attempt) return { escalated: false, reason: 'stale-attempt' };
  if (settledStatuses.has(lead.status)) return { escalated: false, reason: 'settled' };
  if ((lead.escalatedAttempt ?? -1) >= input.attempt) return { escalated: false, reason: 'already-escalated' };

  const team = deps.settings.routing.teams.find((t) => t.id === lead.teamId) ?? defaultTeamOf(deps.settings.routing);
  const owner = lead.ownerId ? await deps.reps.get(lead.ownerId) : undefined;

  // Email before recording: a failure retries the task and may email twice, but never zero times.
  await deps.mailer.send(escalationEmail({ lead, managerEmail: team.managerEmail, owner }));
  try {
    await deps.leads.markEscalated(lead.id, input.attempt, deps.now(), { to: team.managerEmail, status: lead.status, ownerId: lead.ownerId });
  } catch (error) {
    if (!(error instanceof LeadStateConflict)) throw error;
  }
  return { escalated: true, to: team.managerEmail };
}
