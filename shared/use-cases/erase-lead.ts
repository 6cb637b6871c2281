import type { ErasureOptions, ErasureReport } from '../adapters/lead-erasure.ts';
import { LeadNotFound } from '../domain/errors.ts';
import { drainTeam } from './follow-ups.ts';

/** Everything stored about one lead deleted, its owner's slot given back; what was found is reported. */
export interface LeadErasure {
  erase(leadId: string, options?: ErasureOptions): Promise<ErasureReport>;
}

export interface EraseLeadDeps {
  readonly eraser: LeadErasure;
}

/**
 * Erase a lead and everything about it for a privacy request (GDPR art. 17).
 * 1. Delete the lead, the duplicate-detection and idempotency items pointing at it, and give its
 *    owner's slot back, in one transaction; then its whole history and its effect records.
 * 2. Nothing found at all: LeadNotFound. Leftovers of an interrupted erasure count as found, so
 *    a repeated request finishes the job.
 * 3. A freed slot is offered to the team's queue, as after a pass: the drain is recorded (under
 *    the rep) in the same transaction, so it is sent even if sending it fails at first. Pending
 *    SLA timers and routing messages for the lead find it gone and stop.
 */
export async function eraseLead(leadId: string, deps: EraseLeadDeps): Promise<ErasureReport> {
  const report = await deps.eraser.erase(leadId, { whenReleased: ({ teamId }) => (teamId ? [drainTeam(teamId)] : []) });
  if (!report.leadErased && report.eventsErased === 0) throw new LeadNotFound(leadId);
  return report;
}
