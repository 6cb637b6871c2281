import { setTimeout as sleep } from 'node:timers/promises';
import { afterTaking, countersFor, type Placement } from '../adapters/lead-store.ts';
import { LeadStateConflict, RepUnavailable } from '../domain/errors.ts';
import { LeadStatus, type Lead } from '../domain/lead.ts';
import { allows } from '../domain/lifecycle.ts';
import type { LinkAction } from '../domain/link-token.ts';
import type { RoutingConfig, Team } from '../routing/config-schema.ts';
import { checkEligibility, type RepProfile } from '../routing/eligibility.ts';
import { classifyLead, explain, rankCandidates, type Classification, type Ranking } from '../routing/engine.ts';
import { OfferLine, RosterIndex } from '../routing/roster-index.ts';
import { nextVirtualTimeAt } from '../routing/strategies.ts';
import { nurtureEmail, offerEmail, openToTeamEmail, queuedEmail } from '../views/emails.ts';
import { sendEmail, startTimer } from './follow-ups.ts';
import type { LeadReader, LeadTransitions, RepReader } from './ports.ts';
import { contactDeadlineFor, slaTimerFor } from './sla-schedule.ts';

/** Ids of the leads waiting in a team's queue, in the order they are offered. */
export interface TeamQueue {
  teamQueue(teamId: string, limit?: number): Promise<string[]>;
}

/** A team's reps as recently read (seconds old at most), kept current one rep or one change read at a time. */
export interface Roster {
  get(teamId: string): Promise<readonly RepProfile[]>;
  /** The rep as just read (undefined: gone) after their offer was refused, or as an offer to them left them, in place of the copy held. */
  patch(teamId: string, repId: string, fresh: RepProfile | undefined): void;
  /** The next read of the team looks for what changed in it, however recent the copy held. */
  refresh(teamId: string): void;
  /**
   * The team's roster as `get` gives it, indexed for routing and kept current with it rep by
   * rep. Without it (or undefined) the router indexes the roster `get` gives for each lead.
   */
  view?(teamId: string): Promise<RosterIndex | undefined>;
}

export interface RouteLeadDeps {
  readonly leads: LeadReader & LeadTransitions & TeamQueue;
  readonly reps: RepReader;
  readonly roster: Roster;
  readonly config: RoutingConfig;
  /** Real milliseconds of a configured number of minutes (time-scaled locally). */
  readonly minutes: (minutes: number) => number;
  /** Builds the signed URL of one action on one offer. */
  readonly actionUrl: (lead: Lead, repId: string, action: LinkAction) => string;
  readonly now: () => Date;
}

export type RouteOutcome =
  /** With the lead's arrival and this offer's time, for time-to-offer. */
  | { readonly kind: 'offered'; readonly repId: string; readonly attempt: number; readonly receivedAt: string; readonly offeredAt: string }
  /** `newlyQueued` false: it was waiting in the queue already and keeps its place. */
  | { readonly kind: 'queued'; readonly teamId: string; readonly newlyQueued: boolean }
  | { readonly kind: 'nurtured' }
  | { readonly kind: 'unchanged'; readonly status: LeadStatus }
  /** Erased on request (or expired) since it was queued: nothing to route, nothing to retry. */
  | { readonly kind: 'gone' };

/** Conflicts mean another router moved the lead; re-reading it settles the question quickly. */
const MAX_REREADS = 5;

/** A manager hears about leads stuck in the team queue at most this often. */
export const QUEUE_NOTICE_COOLDOWN_MINUTES = 15;

/**
 * The history keeps this many candidates by name, of those in line and of those skipped, with
 * the counts of all: one history item holds at most 400 KB, and a team of 20,000 eligible reps
 * in line would not fit in it.
 */
const IN_HISTORY = 50;
/**
 * The largest team whose every rep the history accounts for when a lead is offered: checking
 * that many takes well under a millisecond (`npm run bench -- routing-decision`, naive column).
 */
export const FULL_ACCOUNT_REPS = 1_000;
/** How often one rep is tried for one lead when the offer is refused by their record (see placeLead). */
const REFUSALS_PER_REP = 4;


/**
 * Route a lead that is waiting for a rep.
 * 1. Read the lead fresh; one that is not waiting for routing any more needs nothing.
 * 2. Score and classify it: cold goes to marketing; otherwise a rule, a franchisee's territory
 *    or the default team decides the team.
 * 3. Rank the team's roster by the team's strategy and offer the lead to the first rep whose
 *    capacity and caps the transaction can still take, falling through on conflicts.
 * 4. Nobody available: the lead waits in the team queue (hot first, then oldest), its deadline
 *    timer runs, and the manager is told (once per cool-down, not once per lead).
 * Safe to run twice for the same message and in parallel with other routers: every write is
 * conditional, and an offer's email and timer are recorded in the offer's own transaction, so a
 * delivery that crashes after committing leaves them to the effects relay, never undone.
 */
export async function routeLead(leadId: string, deps: RouteLeadDeps): Promise<RouteOutcome> {
  for (let read = 0; read < MAX_REREADS; read++) {
    const lead = await deps.leads.get(leadId);
    if (!lead) return { kind: 'gone' };
    // Only a lead the lifecycle lets be offered is routed: received, or waiting in its team's queue.
    if (!allows('offer', lead.status)) return { kind: 'unchanged', status: lead.status };

    try {
      return await placeLead(lead, deps);
    } catch (error) {
      if (!(error instanceof LeadStateConflict)) throw error;
    }
  }
  throw new LeadStateConflict(`lead ${leadId} kept changing while being routed`);
}

/** How many queued leads one drain looks at; a longer queue drains as capacity keeps freeing. */
const DRAIN_BATCH = 10;

/**
 * Someone in the team freed capacity: offer the team's queued leads, hot before warm before
 * cold and then oldest first, to whoever can take them now. A lead nobody can take yet keeps
 * its place in the queue without a new history entry.
 */
export async function drainTeamQueue(teamId: string, deps: RouteLeadDeps): Promise<RouteOutcome[]> {
  // The write that freed the capacity is stamped in the team's change index: reading what changed
  // finds it, without reading the whole team.
  deps.roster.refresh(teamId);
  const outcomes: RouteOutcome[] = [];
  for (const leadId of await deps.leads.teamQueue(teamId, DRAIN_BATCH)) outcomes.push(await routeLead(leadId, deps));
  return outcomes;
}

async function placeLead(lead: Lead, deps: RouteLeadDeps): Promise<RouteOutcome> {
  const classification = classifyLead(lead, deps.config);
  const { tier, score } = classification;

  if (classification.department === 'marketing' || classification.teamId === undefined) {
    const nurtured = { ...lead, status: LeadStatus.nurture, tier, score };
    const marketing = deps.config.marketing;
    await deps.leads.commit('nurture', {
      lead,
      at: deps.now(),
      actor: 'router',
      detail: decisionDetail(classification),
      set: { tier, score },
      effects: marketing ? [sendEmail('marketing-email', nurtureEmail({ lead: nurtured, to: marketing.email }))] : [],
    });
    return { kind: 'nurtured' };
  }

  const team = teamOf(deps.config, classification.teamId);
  const contactDeadline = contactDeadlineFor(lead, team, deps.config.tiers[tier], deps.minutes);
  const now = deps.now();
  if (lead.attempt >= deps.config.maxAttempts) {
    // Offered as often as the team allows: it stops rotating and waits for a person to decide.
    return queueLead(lead, team, { ...placementBase(classification, contactDeadline), detail: { ...decisionDetail(classification, team), reason: `offered ${lead.attempt} times, the most this stack allows` } }, undefined, now, deps);
  }
  const index = (await deps.roster.view?.(team.id)) ?? new RosterIndex(await deps.roster.get(team.id));
  // Who is offered the lead comes from walking the index, rep by rep as offers are refused, so
  // the decision's cost does not grow with the team. The history's account of it checks every
  // rep (all in line, every skipped rep counted by reason) only for a team of up to
  // FULL_ACCOUNT_REPS; a larger team's names the reps the walk checked and counts the rest as
  // not checked. Nobody to offer it to: every rep is checked, whatever the team's size.
  const line = new OfferLine(index, lead, team.strategy, now);
  const fullAccount = () => rankCandidates(lead, team, index.reps(), now);
  const upFront = index.size <= FULL_ACCOUNT_REPS ? fullAccount() : undefined;

  for (let next = line.next(); next !== undefined; next = line.next()) {
    const repId = next.rep.id;
    let rep: RepProfile | undefined = index.get(repId) ?? next.rep;
    // A cached profile may be stale (load, day counters, team): on a refusal, read this rep
    // afresh, put the fresh copy in the cached roster for the next lead, and try again while they
    // are still in the team and eligible. Routers offering this rep other leads at the same moment
    // move its counters between a read and a write, so a fresh copy can be refused too: up to
    // REFUSALS_PER_REP tries, a short random pause apart, before the next rep in line.
    for (let tries = 1; rep; tries++) {
      try {
        const placement = { ...placementBase(classification, contactDeadline), teamId: team.id, detail: decisionDetail(classification, team, upFront ?? line.account(), repId) };
        const offered = await offerTo(lead, rep, index, team, placement, now, deps);
        return offeredOutcome(offered, repId, now);
      } catch (error) {
        if (!(error instanceof RepUnavailable)) throw error;
        if (tries >= REFUSALS_PER_REP) break;
        if (tries > 1) await sleep(10 + Math.random() * 40);
        rep = await deps.reps.get(repId);
        deps.roster.patch(team.id, repId, rep);
        if (rep && (rep.teamId !== team.id || !checkEligibility(rep, lead, now).eligible)) break;
      }
    }
  }

  const ranking = upFront ?? fullAccount();
  const roster = index.reps();
  // Everyone who could ever take it has passed: the team may claim it, first come first served.
  const allPassed = ranking.order.length === 0 && ranking.candidates.some((c) => c.reason === 'passed-before');
  const openTo = allPassed && team.whenAllPass === 'open-to-team' ? roster.filter((rep) => couldClaim(rep, lead, now)) : [];
  return queueLead(lead, team, { ...placementBase(classification, contactDeadline), detail: decisionDetail(classification, team, ranking) }, ranking, now, deps, openTo);
}

/** Reasons that only say "not right now": such a rep may still claim a lead opened to the team. */
const claimableLater: ReadonlySet<string> = new Set(['outside-working-hours', 'at-capacity', 'daily-cap', 'weekly-cap']);

/**
 * Whether a rep could take this lead had they not passed on it: active, skilled, in territory
 * and not away. A rep it was taken from for a missed deadline is not asked again.
 */
function couldClaim(rep: RepProfile, lead: Lead, now: Date): boolean {
  if (lead.missedBy?.includes(rep.id)) return false;
  const check = checkEligibility(rep, { ...lead, excludedReps: [] }, now);
  return check.eligible || claimableLater.has(check.reason);
}

const placementBase = (classification: Classification, contactDeadline: string) => ({
  tier: classification.tier,
  score: classification.score,
  contactDeadline,
});

/**
 * Nobody takes the lead now: it waits in the team queue with its deadline timer running, and
 * when everyone who could take it has passed, the team is invited to claim it (`openTo`).
 */
async function queueLead(
  lead: Lead,
  team: Team,
  placement: Omit<Placement, 'teamId'>,
  ranking: Ranking | undefined,
  now: Date,
  deps: RouteLeadDeps,
  openTo: readonly RepProfile[] = [],
): Promise<RouteOutcome> {
  const timeZone = team.businessHours?.timeZone;
  let queued = lead;
  // Still nobody for a lead that was already waiting: it keeps its place and its timer.
  if (lead.status !== LeadStatus.queued) {
    queued = { ...lead, status: LeadStatus.queued, tier: placement.tier, score: placement.score, teamId: team.id, contactDeadline: placement.contactDeadline };
    const notice = queuedEmail({ lead: queued, team, reasons: ranking ? skipSummary(ranking) : {}, openedToTeam: openTo.length > 0, ...(timeZone ? { timeZone } : {}) });
    ({ lead: queued } = await deps.leads.commit('queue', {
      lead,
      at: now,
      actor: 'router',
      detail: placement.detail,
      set: { tier: placement.tier, score: placement.score, teamId: team.id, contactDeadline: placement.contactDeadline },
      effects: [
        startTimer(slaTimerFor(queued, team, deps.config.tiers, deps.minutes, now)),
        // One notice per team per cool-down, not one per lead: the window is taken when it is sent.
        sendEmail('queue-notice', notice, { key: `TEAM#${team.id}#QUEUE-NOTICE`, withinMs: deps.minutes(QUEUE_NOTICE_COOLDOWN_MINUTES) }),
      ],
    }));
  }
  if (openTo.length > 0 && queued.openedAttempt !== queued.attempt) {
    const invited = openTo.slice(0, MAX_INVITES);
    try {
      await deps.leads.commit('open-to-team', {
        lead: queued,
        at: new Date(now.getTime() + 1),
        actor: 'router',
        detail: { attempt: queued.attempt, repIds: invited.map((rep) => rep.id), ...(openTo.length > invited.length ? { notInvited: openTo.length - invited.length } : {}) },
        effects: invited.map((rep) =>
          sendEmail('claim-invite', openToTeamEmail({ lead: queued, rep, teamName: team.name, claimUrl: deps.actionUrl(queued, rep.id, 'claim') })),
        ),
      });
    } catch (error) {
      // Opened by another delivery already, or claimed meanwhile: either way nothing to add.
      if (!(error instanceof LeadStateConflict)) throw error;
    }
  }
  return { kind: 'queued', teamId: team.id, newlyQueued: queued !== lead };
}

/**
 * At most this many reps are invited to claim one lead: one transaction holds at most 100
 * writes, and a team far larger than this is better served by pulling from its queue.
 */
const MAX_INVITES = 90;

const offeredOutcome = (lead: Lead, repId: string, now: Date): RouteOutcome => ({
  kind: 'offered',
  repId,
  attempt: lead.attempt,
  receivedAt: lead.receivedAt,
  // Every offer writes offeredAt; the fallback only satisfies the optional field of the type.
  offeredAt: lead.offeredAt ?? now.toISOString(),
});

function teamOf(config: RoutingConfig, teamId: string): Team {
  const team = config.teams.find((t) => t.id === teamId);
  if (!team) throw new Error(`The routing config has no team "${teamId}"`);
  return team;
}

/**
 * Offers the lead to one rep in ONE transaction: the lead moves to OFFERED only if nobody moved
 * it since it was read, the rep's open-lead count (and day and week counters) go up only while
 * the rep is active, under capacity and caps, and still in the team (a roster cached before an
 * admin moved them still lists them), and the offer email and SLA timer are recorded
 * with it. Concurrent routers and redelivered messages can never double-assign a lead, overfill a
 * rep, or commit an offer whose email and timer are lost.
 */
async function offerTo(lead: Lead, rep: RepProfile, index: RosterIndex, team: Team, placement: Placement, now: Date, deps: RouteLeadDeps): Promise<Lead> {
  const offered: Lead = {
    ...lead,
    status: LeadStatus.offered,
    ownerId: rep.id,
    attempt: lead.attempt + 1,
    offeredAt: now.toISOString(),
    tier: placement.tier,
    score: placement.score,
    teamId: placement.teamId,
    contactDeadline: placement.contactDeadline,
  };
  const timer = slaTimerFor(offered, team, deps.config.tiers, deps.minutes, now);
  const email = offerEmail({
    lead: offered,
    rep,
    acceptUrl: deps.actionUrl(offered, rep.id, 'accept'),
    rejectUrl: deps.actionUrl(offered, rep.id, 'reject'),
    acceptDeadline: timer.acceptDeadline,
  });
  const taking = {
    id: rep.id,
    teamId: team.id,
    counters: countersFor(rep, now),
    ...(team.strategy === 'weighted-round-robin' ? { virtualTime: nextVirtualTimeAt(rep, index.virtualClock) } : {}),
  };
  // Seen as taken by this environment's next decisions while the transaction is on its way:
  // leads routed side by side (a batch's records) spread over the team instead of all going to
  // the head of the rotation, where their transactions would collide on one rep.
  deps.roster.patch(team.id, rep.id, afterTaking(rep, taking, now.toISOString()));
  const committing = deps.leads.commit('offer', {
    lead,
    at: now,
    actor: 'router',
    detail: { ...placement.detail, repId: rep.id, attempt: offered.attempt },
    rep: taking,
    set: {
      tier: placement.tier,
      score: placement.score,
      teamId: placement.teamId,
      contactDeadline: placement.contactDeadline,
      acceptDeadline: timer.acceptDeadline,
    },
    effects: [sendEmail('offer-email', email), startTimer(timer)],
  });
  try {
    // The next lead sees this offer's load and rotation without reading the rep again.
    return (await committing).lead;
  } catch (error) {
    // Not taken after all; a refusal by the rep's record has the caller read them afresh.
    if (!(error instanceof RepUnavailable)) deps.roster.patch(team.id, rep.id, rep);
    throw error;
  }
}

function skipSummary(ranking: Ranking): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const candidate of ranking.candidates) if (candidate.reason) counts[candidate.reason] = (counts[candidate.reason] ?? 0) + 1;
  return counts;
}

/** What the lead's history keeps of a decision: enough to answer "why did I get this lead?". */
function decisionDetail(classification: Classification, team?: Team, ranking?: Ranking, offeredTo?: string): Record<string, unknown> {
  const skipped = ranking?.candidates.filter((c) => !c.eligible) ?? [];
  return {
    tier: classification.tier,
    score: classification.score,
    scoring: classification.reasons,
    via: classification.via,
    department: classification.department,
    ...(team ? { teamId: team.id, strategy: team.strategy } : {}),
    ...(ranking
      ? {
          order: ranking.order.slice(0, IN_HISTORY),
          orderCount: ranking.order.length,
          skipped: skipped.slice(0, IN_HISTORY).map((c) => ({ repId: c.repId, reason: c.reason })),
          skippedCount: skipped.length,
          skippedByReason: skipSummary(ranking),
          ...(ranking.unchecked ? { unchecked: ranking.unchecked } : {}),
        }
      : {}),
    explanation: explain({ classification, ...(ranking ? { ranking } : {}), ...(offeredTo ? { offeredTo } : {}) }),
  };
}
