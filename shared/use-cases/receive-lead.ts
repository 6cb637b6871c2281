import type { LeadStore } from '../adapters/lead-store.ts';
import type { RoutingQueue } from '../adapters/routing-queue.ts';
import type { RoutingSettings } from '../config/stack-config.ts';
import { TemporarilyUnavailable } from '../domain/errors.ts';
import { createLead, parseLeadInput } from '../domain/lead.ts';
import { defaultTeamOf } from '../routing/config-schema.ts';

export interface ReceiveLeadDeps {
  readonly leads: LeadStore;
  readonly queue: RoutingQueue;
  readonly settings: RoutingSettings;
  readonly now: () => Date;
  /** The contact SLA in real milliseconds (time-scaled locally). */
  readonly contactWithinMs: number;
}

/**
 * Receive a lead from a landing page.
 * 1. Validate and normalize the posted fields (InvalidLead names every bad field).
 * 2. Store it as RECEIVED with its contact deadline and retention.
 * 3. Queue its id for the router. If queuing fails, remove what was stored and report a
 *    temporary failure, so nothing half-written stays behind and the sender's retry is clean.
 */
export async function receiveLead(body: unknown, deps: ReceiveLeadDeps): Promise<{ leadId: string }> {
  const input = parseLeadInput(body);
  const now = deps.now();
  const lead = createLead(input, defaultTeamOf(deps.settings.routing).id, { now, contactWithinMs: deps.contactWithinMs });
  const expiresAt = Math.floor(now.getTime() / 1000) + deps.settings.retentionDays * 86_400;
  await deps.leads.create(lead, expiresAt);
  try {
    await deps.queue.enqueue({ leadId: lead.id });
  } catch (error) {
    await deps.leads.discard(lead.id);
    throw new TemporarilyUnavailable('the lead could not be queued; please retry', { cause: error });
  }
  return { leadId: lead.id };
}
