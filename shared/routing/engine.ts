import type { Classification } from './classify.ts';
import type { Team } from './config-schema.ts';
import { eligibilityFor, type RepProfile, type SkipReason } from './eligibility.ts';
import type { LeadFacts } from './lead-facts.ts';
import { sortCandidates, type Candidate } from './strategies.ts';

export { classifyLead, type Classification, type Department, type Via } from './classify.ts';

export interface CandidateRecord {
  readonly repId: string;
  readonly name: string;
  readonly eligible: boolean;
  readonly reason?: SkipReason;
  /** 1 for the rep to offer first. */
  readonly rank?: number;
}

export interface Ranking {
  /** Eligible rep ids in offer order; the caller falls through to the next when one is taken concurrently. */
  readonly order: readonly string[];
  /** Every roster member: eligible ones by rank, then the skipped ones by id, each with its reason. */
  readonly candidates: readonly CandidateRecord[];
  /**
   * Reps of the team not looked at: a large team's decision walks its roster index only as far
   * as the first eligible rep (see roster-index.ts), so `candidates` are those it checked.
   */
  readonly unchecked?: number;
}

/**
 * Choose who in a team is offered a lead, and in what order.
 * 1. Check every rep of the team's roster for eligibility, recording why each skipped rep was.
 * 2. Order the eligible reps by the team's strategy, with deterministic tie-breaks.
 * The roster is the team's reps as loaded between classifying and ranking.
 */
export function rankCandidates(
  lead: Pick<LeadFacts, 'contact' | 'fields' | 'excludedReps'>,
  team: Pick<Team, 'id' | 'strategy'>,
  roster: readonly RepProfile[],
  now: Date,
): Ranking {
  const check = eligibilityFor(lead, now);
  const eligible: Candidate[] = [];
  const skipped: CandidateRecord[] = [];
  for (const rep of roster) {
    const result = check(rep);
    if (result.eligible) eligible.push({ rep, match: result.match });
    else skipped.push({ repId: rep.id, name: rep.name, eligible: false, reason: result.reason });
  }
  const ranked = sortCandidates(team.strategy, eligible, { roster });
  // Rosters usually arrive sorted by id (the rep index sorts by it), which the sort detects in one pass.
  skipped.sort((a, b) => (a.repId < b.repId ? -1 : a.repId > b.repId ? 1 : 0));
  const order: string[] = [];
  const candidates: CandidateRecord[] = [];
  ranked.forEach(({ rep }, i) => {
    order.push(rep.id);
    candidates.push({ repId: rep.id, name: rep.name, eligible: true, rank: i + 1 });
  });
  for (const record of skipped) candidates.push(record);
  return { order, candidates };
}

/** Everything needed to tell, later, why a lead went where it did. */
export interface RoutingDecision {
  readonly classification: Classification;
  /** Absent for marketing. */
  readonly ranking?: Ranking;
  /** The rep who was offered the lead, if anyone was. */
  readonly offeredTo?: string;
}

const reasonText: Record<SkipReason, string> = {
  disabled: 'switched off by an admin',
  inactive: 'inactive',
  unreachable: 'unreachable by email (bounce or complaint)',
  'passed-before': 'passed on this lead before',
  'lacks-product': 'does not handle this product',
  'lacks-language': "does not speak the lead's language",
  'outside-territory': 'outside territory',
  'out-of-office': 'out of office',
  'outside-working-hours': 'outside working hours',
  'at-capacity': 'at capacity',
  'daily-cap': 'daily cap reached',
  'weekly-cap': 'weekly cap reached',
};

const signed = (n: number) => (n < 0 ? `${n}` : `+${n}`);

/**
 * The decision as short lines for the lead history and the simulator. Large rosters are cut
 * after `maxCandidates` lines, with the rest summed up by reason.
 */
export function explain(decision: RoutingDecision, options: { maxCandidates?: number } = {}): string[] {
  const { classification: c, ranking, offeredTo } = decision;
  const points = c.reasons.length === 0 ? 'no points' : c.reasons.map((r) => `${signed(r.points)} ${r.why}`).join(', ');
  const lines = [`tier ${c.tier} (score ${c.score}: ${points})`];
  switch (c.via.kind) {
    case 'cold-to-marketing':
      lines.push('cold → marketing');
      break;
    case 'rule':
      lines.push(`rule ${c.via.index + 1} '${c.via.name}' → team ${c.teamId}`);
      break;
    case 'franchise-territory':
      lines.push(`territory of franchisee ${c.via.franchiseeId} covers the lead → team ${c.teamId}`);
      break;
    case 'default-team':
      lines.push(`no rule or franchise territory matched → default team ${c.teamId}`);
      break;
  }
  if (ranking === undefined) return lines;

  const max = options.maxCandidates ?? 50;
  for (const candidate of ranking.candidates.slice(0, max)) {
    const status =
      candidate.reason !== undefined
        ? `skipped (${reasonText[candidate.reason]})`
        : candidate.repId === offeredTo
          ? 'offered'
          : `eligible, #${candidate.rank} in line`;
    lines.push(`${candidate.name || candidate.repId}: ${status}`);
  }
  const rest = ranking.candidates.slice(max);
  if (rest.length > 0) {
    const counts = new Map<string, number>();
    for (const r of rest) {
      const key = r.reason === undefined ? 'eligible' : reasonText[r.reason];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    lines.push(`… and ${rest.length} more: ${[...counts].map(([why, n]) => `${n} ${why}`).join(', ')}`);
  }
  if (ranking.unchecked) lines.push(`${ranking.unchecked} more in the team not checked: the first eligible rep in line was offered`);
  if (ranking.order.length === 0) lines.push('nobody eligible → waits in the team queue');
  return lines;
}
