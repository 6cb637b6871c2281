import type { RoutingConfig } from '../routing/config-schema.ts';
import type { RepProfile, SkipReason } from '../routing/eligibility.ts';
import { classifyLead, explain, rankCandidates, type Classification } from '../routing/engine.ts';
import { createLead, parseLeadInput } from '../domain/lead.ts';
import { defaultTeamOf } from '../routing/config-schema.ts';
import { leadLocation } from '../routing/lead-facts.ts';

export interface SimulateRoutingDeps {
  readonly config: RoutingConfig;
  readonly roster: (teamId: string) => Promise<readonly RepProfile[]>;
  readonly now: () => Date;
}

export interface Simulation {
  readonly tier: Classification['tier'];
  readonly score: number;
  readonly department: Classification['department'];
  readonly teamId?: string;
  readonly via: Classification['via'];
  /** Who would be offered the lead now, or nobody (it would wait in the team queue). */
  readonly wouldOffer?: string;
  /** Eligible reps in the order they would be tried. */
  readonly order: readonly string[];
  readonly skipped: readonly { readonly repId: string; readonly reason?: SkipReason }[];
  readonly explanation: readonly string[];
  /** With a franchise map: which franchisee holds the lead's location and why, or why nobody does. */
  readonly territory?: string;
}

/**
 * Answer "who would get this lead, and why?" against the live roster and the deployed config,
 * changing nothing: the same validation, scoring, rules and ranking the router runs, with no
 * write, no email and no timer. Admins try a rule change or a new rep on it before deploying.
 */
export async function simulateRouting(body: unknown, deps: SimulateRoutingDeps): Promise<Simulation> {
  const now = deps.now();
  const lead = createLead(parseLeadInput(body), defaultTeamOf(deps.config).id, { now, contactWithinMs: 0 }, 'simulated');
  const classification = classifyLead(lead, deps.config);
  const territory = deps.config.franchises?.explain(leadLocation(lead));
  const base = {
    tier: classification.tier,
    score: classification.score,
    department: classification.department,
    via: classification.via,
    ...(territory !== undefined ? { territory } : {}),
  };
  if (classification.teamId === undefined) {
    return { ...base, order: [], skipped: [], explanation: explain({ classification }) };
  }
  const team = deps.config.teams.find((t) => t.id === classification.teamId)!;
  const ranking = rankCandidates(lead, team, await deps.roster(team.id), now);
  const wouldOffer = ranking.order[0];
  return {
    ...base,
    teamId: team.id,
    ...(wouldOffer ? { wouldOffer } : {}),
    order: ranking.order,
    skipped: ranking.candidates.filter((c) => !c.eligible).map((c) => ({ repId: c.repId, reason: c.reason })),
    // Nobody is offered anything here: the explanation ranks the reps instead.
    explanation: explain({ classification, ranking }),
  };
}
