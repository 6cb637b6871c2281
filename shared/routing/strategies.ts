import type { Strategy } from './config-schema.ts';
import type { RepMatch, RepProfile } from './eligibility.ts';

export interface Candidate {
  readonly rep: RepProfile;
  readonly match: RepMatch;
}

export interface StrategyContext {
  /** The whole team, eligible or not: weighted round robin reads the team's virtual clock from it. */
  readonly roster: readonly RepProfile[];
}

/**
 * The team's virtual clock for weighted round robin (start-time fair queueing): the virtual
 * start of the most recent weighted offer, recovered from the reps as max(virtualTime − 1/weight).
 * Clamping everyone's next start to this clock is what stops a flood: a rep back from leave, or
 * new, resumes at "now" in virtual time instead of at the stale low value that would let them
 * win every offer until they caught up. (Clamping to the team's minimum instead would not work:
 * the returning rep's stale value is itself the minimum.)
 */
export function teamVirtualTime(roster: readonly RepProfile[]): number {
  let clock = 0;
  for (const rep of roster) {
    if (rep.active && rep.virtualTime !== undefined) clock = Math.max(clock, rep.virtualTime - 1 / rep.weight);
  }
  return clock;
}

const virtualStart = (rep: RepProfile, clock: number): number => Math.max(rep.virtualTime ?? clock, clock);

/**
 * The `virtualTime` to store on a rep with the offer they were just given: their virtual
 * start plus 1/weight, so a rep of weight 2 comes round twice as often as one of weight 1.
 */
export function nextVirtualTime(rep: RepProfile, roster: readonly RepProfile[]): number {
  return nextVirtualTimeAt(rep, teamVirtualTime(roster));
}

/** `nextVirtualTime` with the team clock already known (a roster index keeps it). */
export function nextVirtualTimeAt(rep: RepProfile, clock: number): number {
  return virtualStart(rep, clock) + 1 / rep.weight;
}

interface Keyed {
  readonly candidate: Candidate;
  readonly id: string;
  /** Last offer, epoch ms: the rotation key every strategy falls back to. */
  readonly last: number;
  readonly primary: number;
  readonly secondary: number;
}

const byId = (a: Keyed, b: Keyed) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byRotation = (a: Keyed, b: Keyed) => a.last - b.last || byId(a, b);
const byPrimaryThenRotation = (a: Keyed, b: Keyed) => a.primary - b.primary || a.secondary - b.secondary || byRotation(a, b);

// An unparsable time sorts as never offered, so a bad record gets a turn instead of starving.
const offeredAt = (rep: RepProfile): number => {
  const ms = Date.parse(rep.lastOfferedAt);
  return Number.isNaN(ms) ? 0 : ms;
};

/**
 * Put a team's eligible reps in the order they should be offered the lead. Every strategy ends
 * in the same tie-break, oldest last offer first and then rep id, so the order is a pure
 * function of the roster and does not depend on the order reps were loaded in:
 *  - round-robin: oldest last offer first. Rotation lives on the reps, so editing the roster
 *    never resets anyone's place and a newcomer (never offered) gets exactly one early turn.
 *  - weighted-round-robin: smallest virtual start first (see `teamVirtualTime`).
 *  - least-loaded: lowest open leads relative to capacity first.
 *  - best-match: most specific territory first, then explicit product/language skill.
 */
export function orderCandidates(strategy: Strategy, eligible: readonly Candidate[], context: StrategyContext): string[] {
  return sortCandidates(strategy, eligible, context).map((candidate) => candidate.rep.id);
}

/** `orderCandidates`, returning the candidates themselves rather than their ids. */
export function sortCandidates(strategy: Strategy, eligible: readonly Candidate[], context: StrategyContext): Candidate[] {
  const clock = strategy === 'weighted-round-robin' ? teamVirtualTime(context.roster) : 0;
  const keyed: Keyed[] = eligible.map((candidate) => {
    const { rep, match } = candidate;
    const base = { candidate, id: rep.id, last: offeredAt(rep) };
    switch (strategy) {
      case 'weighted-round-robin':
        return { ...base, primary: virtualStart(rep, clock), secondary: 0 };
      case 'least-loaded':
        // Capacity is at least openLeads + 1 here (full reps are not eligible), so this is finite.
        return { ...base, primary: rep.openLeads / rep.capacity, secondary: 0 };
      case 'best-match':
        return { ...base, primary: -match.specificity, secondary: -match.skill };
      case 'round-robin':
        return { ...base, primary: 0, secondary: 0 };
    }
  });
  keyed.sort(strategy === 'round-robin' ? byRotation : byPrimaryThenRotation);
  return keyed.map((k) => k.candidate);
}
