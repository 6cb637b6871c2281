import type { ErasureReport } from '../adapters/lead-erasure.ts';
import { LeadNotFound } from '../domain/errors.ts';
import type { RoutingMessages } from './ports.ts';

/** Everything stored about one lead deleted, its owner's slot given back; what was found is reported. */
export interface LeadErasure {
  erase(leadId: string): Promise<ErasureReport>;
}

export interface EraseLeadDeps {
  readonly eraser: LeadErasure;
  readonly queue: RoutingMessages;
  /** Told when the freed slot could not be offered to the team queue; the erasure itself stands. */
  readonly onDrainFailed?: (error: unknown) => void;
}

/**
 * Erase a lead and everything about it for a privacy request (GDPR art. 17).
 * 1. Delete the lead, the duplicate-detection and idempotency items pointing at it, and give its
 *    owner's slot back, in one transaction; then its whole history and its effect records.
 * 2. Nothing found at all: LeadNotFound. Leftovers of an interrupted erasure count as found, so
 *    a repeated request finishes the job.
 * 3. A freed slot is offered to the team's queue, as after a pass. Pending SLA timers and routing
 *    messages for the lead find it gone and stop.
 */
export async function eraseLead(leadId: string, deps: EraseLeadDeps): Promise<ErasureReport> {
  const report = await deps.eraser.erase(leadId);
  if (!report.leadErased && report.eventsErased === 0) throw new LeadNotFound(leadId);
  if (report.releasedRepId && report.teamId) {
    try {
      await deps.queue.enqueue({ drainTeam: report.teamId });
    } catch (error) {
      // The lead is gone whatever happens here; the queue drains on the team's next freed slot.
      deps.onDrainFailed?.(error);
    }
  }
  return report;
}
