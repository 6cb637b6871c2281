import { TeamNotFound } from '../domain/errors.ts';
import { displayName, type Tier } from '../domain/lead.ts';
import type { RoutingConfig } from '../routing/config-schema.ts';
import type { QueuedLeads } from './ports.ts';

/** No team of this id in the stack's routing config. */
/** One waiting lead as an operator scans the queue: enough to recognise it and see how urgent it is. */
export interface QueuedLead {
  readonly id: string;
  readonly name: string;
  readonly tier?: Tier;
  readonly score?: number;
  readonly product?: string;
  readonly receivedAt: string;
  readonly contactDeadline: string;
  readonly attempt: number;
}

export interface TeamQueueDeps {
  readonly leads: QueuedLeads;
  readonly config: Pick<RoutingConfig, 'teams'>;
}

/** The most leads one request lists; a queue longer than this has bigger problems than paging. */
export const MAX_QUEUE_LISTED = 200;

/**
 * Show a team's queue to an operator.
 * 1. The team must be one of the stack's (a typo is a 404 naming it, not an empty list).
 * 2. List the leads waiting for it in the order they will be offered: hot before warm before
 *    cold, then oldest first (the order the store keeps them in).
 */
export async function listTeamQueue(teamId: string, deps: TeamQueueDeps, limit = 50): Promise<{ teamId: string; leads: QueuedLead[] }> {
  if (!deps.config.teams.some((team) => team.id === teamId)) throw new TeamNotFound(teamId);
  const leads = await deps.leads.teamQueueLeads(teamId, Math.min(Math.max(1, limit), MAX_QUEUE_LISTED));
  return {
    teamId,
    leads: leads.map((lead) => ({
      id: lead.id,
      name: displayName(lead.contact),
      ...(lead.tier !== undefined ? { tier: lead.tier } : {}),
      ...(lead.score !== undefined ? { score: lead.score } : {}),
      ...(lead.contact.product !== undefined ? { product: lead.contact.product } : {}),
      receivedAt: lead.receivedAt,
      contactDeadline: lead.contactDeadline,
      attempt: lead.attempt,
    })),
  };
}
