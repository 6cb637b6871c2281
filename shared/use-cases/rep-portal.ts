import { countersFor } from '../adapters/lead-store.ts';
import type { NewEffect } from '../adapters/outbox.ts';
import type { ProfileChanges, SavedBySession } from '../adapters/rep-store.ts';
import { ExpiredLinkToken, Forbidden, LeadNotFound, LeadStateConflict, RepDisabled, RepNotFound, RepUnavailable } from '../domain/errors.ts';
import { LeadStatus, type Lead } from '../domain/lead.ts';
import { allows, isHeld } from '../domain/lifecycle.ts';
import type { LinkAction } from '../domain/link-token.ts';
import { isCurrentFor, issueMagicLink, issueSession, sessionVersionOf, verifyMagicLink, type SessionClaims } from '../portal/session.ts';
import { teamById, type RoutingConfig, type Team } from '../routing/config-schema.ts';
import { checkEligibility, type RepProfile } from '../routing/eligibility.ts';
import { offerEmail, offerMovedEmail, signInEmail } from '../views/emails.ts';
import type { NextLeadResult } from '../views/portal/next-lead.ts';
import { drainTeam, routeAgain, sendEmail, startTimer } from './follow-ups.ts';
import type { HeldLeads, LeadHistory, LeadReader, LeadTransitions, QueuedLeads, RepByEmail, RepReader, TeamMembers } from './ports.ts';
import { claimQueued, respondToOffer } from './respond-to-offer.ts';
import { contactDeadlineFor, slaTimerFor, type MinutesToMs } from './sla-schedule.ts';

/**
 * What a rep does to their own account in the portal. What must follow a change (`effects`) is
 * recorded in the change's own write and performed after it, as a lead's transitions do.
 */
export interface RepAccounts {
  /** Takes the rep's sign-in link slot unless one went out within `cooldownMs` (false then), recording `effects` with it. */
  claimSignInLink(repId: string, now: Date, cooldownMs: number, effects: readonly NewEffect[]): Promise<boolean>;
  /** Saves while the session `by` is current and the capacity within the admin's maximum (else SessionEnded, RepDisabled, CapacityAboveMaximum). */
  updateProfile(repId: string, changes: ProfileChanges, by: SavedBySession, effects: readonly NewEffect[]): Promise<RepProfile>;
  /** Ends every session and sign-in link issued to the rep so far; the new session version. */
  endSessions(repId: string): Promise<number>;
}

/** Single-use tokens: the first to spend one wins, later tries find it spent. */
export interface SpentTokens {
  spend(id: string, expiresAtEpochSeconds: number): Promise<boolean>;
}

export interface RepPortalDeps {
  readonly leads: LeadReader & LeadHistory & LeadTransitions & QueuedLeads & HeldLeads;
  readonly reps: RepReader & RepByEmail & TeamMembers & RepAccounts;
  readonly tokens: SpentTokens;
  readonly config: RoutingConfig;
  readonly minutes: MinutesToMs;
  /** Signs the offer links of a lead assigned by hand. */
  readonly actionUrl: (lead: Lead, repId: string, action: LinkAction) => string;
  /** Signs sign-in links and sessions; not the key of the offer links. */
  readonly sessionKey: string;
  /** Absolute URL of the portal, e.g. https://…/portal. */
  readonly portalUrl: string;
  readonly now: () => Date;
}

/** A rep gets at most one sign-in link per this many milliseconds. */
export const SIGN_IN_LINK_COOLDOWN_MS = 60_000;

/**
 * A rep asks for a sign-in link.
 * Known address: a signed single-use link valid for 15 minutes goes to it, at most one a
 * minute. Unknown address, or a rep an admin switched off: nothing is sent. The caller shows the
 * same page either way, so the form does not reveal who is a rep.
 * The email is recorded with the claim of the minute's link (the outbox): once claimed it goes
 * out, if not at once then by the relay, so a failed send does not cost the rep their minute.
 */
export async function requestSignIn(email: string, deps: Pick<RepPortalDeps, 'reps' | 'sessionKey' | 'portalUrl' | 'now'>): Promise<void> {
  const rep = await deps.reps.findByEmail(email);
  if (!rep || rep.disabled === true) return;
  const now = deps.now();
  const { token } = issueMagicLink(deps.sessionKey, rep.id, now, sessionVersionOf(rep));
  await deps.reps.claimSignInLink(rep.id, now, SIGN_IN_LINK_COOLDOWN_MS, [sendEmail('sign-in-email', signInEmail({ rep, url: `${deps.portalUrl}/auth/${token}` }))]);
}

/**
 * The rep confirmed the sign-in link: it must be genuine, unexpired and unused (spent in one
 * conditional write, so two tabs racing get one session), the rep must still exist and not be
 * switched off (`RepDisabled`), and the link must be newer than their last sign-out.
 */
export async function signIn(token: string, deps: Pick<RepPortalDeps, 'reps' | 'tokens' | 'sessionKey' | 'now'>): Promise<{ token: string; claims: SessionClaims }> {
  const now = deps.now();
  const magic = verifyMagicLink(deps.sessionKey, token, now);
  if (!(await deps.tokens.spend(magic.jti, magic.exp))) throw new ExpiredLinkToken('sign-in link already used');
  const rep = await deps.reps.get(magic.repId);
  if (!rep) throw new RepNotFound(magic.repId);
  if (rep.disabled === true) throw new RepDisabled(rep.id);
  if (!isCurrentFor(magic, rep)) throw new ExpiredLinkToken('sign-in link sent before the rep signed out');
  return issueSession(deps.sessionKey, rep.id, now, sessionVersionOf(rep));
}

/**
 * The rep signs out: every session of theirs ends, on this device and any other (a lost phone),
 * with every sign-in link not yet used, by one atomic bump of their session version.
 */
export async function signOut(rep: RepProfile, deps: Pick<RepPortalDeps, 'reps'>): Promise<void> {
  await deps.reps.endSessions(rep.id);
}

/** What a pull came to, as the Next lead page shows it. */
export type PullOutcome = NextLeadResult;

/** How many queued leads one pull looks at; the queue is ordered, so the best come first. */
const PULL_WINDOW = 50;

/** Reasons that do not stop a rep who asks for a lead themselves: they are at work now, and caps are the transaction's to check. */
const notNow: ReadonlySet<string> = new Set(['outside-working-hours', 'out-of-office', 'at-capacity', 'daily-cap', 'weekly-cap']);

/**
 * The rep pulls the next lead from the team queue.
 * 1. Unavailable or at capacity: say so without touching the queue.
 * 2. Walk the queue (hot before warm before cold, then oldest) and claim the first lead the rep
 *    is skilled for and covers, in one transaction with their capacity. A lead someone else
 *    claimed meanwhile is skipped for the next, so reps pulling at once never get the same one.
 * 3. The claimed lead's transaction records the SLA timer of its new attempt.
 */
export async function pullNextLead(rep: RepProfile, deps: RepPortalDeps): Promise<PullOutcome> {
  // Their address bounced: out of routing until an admin fixes it, pulls included.
  if (rep.unreachable) return { kind: 'unreachable', address: rep.unreachable.address };
  if (!rep.active) return { kind: 'unavailable' };
  if (rep.openLeads >= rep.capacity) return { kind: 'full' };
  const now = deps.now();
  for (const lead of await deps.leads.teamQueueLeads(rep.teamId, PULL_WINDOW)) {
    if (lead.missedBy?.includes(rep.id)) continue;
    const check = checkEligibility(rep, { ...lead, excludedReps: [] }, now);
    if (!check.eligible && !notNow.has(check.reason)) continue;
    try {
      return { kind: 'claimed', lead: await claimQueued(lead, rep, 'pull', deps, now) };
    } catch (error) {
      if (error instanceof RepUnavailable) return { kind: 'full' };
      if (!(error instanceof LeadStateConflict)) throw error;
    }
  }
  return { kind: 'empty' };
}

export const MyLeadActions = ['accept', 'contacted', 'won', 'lost', 'release'] as const;
export type MyLeadAction = (typeof MyLeadActions)[number];

/**
 * The rep acts on one of their leads from the portal: the same conditional transitions as the
 * email links, for the lead's current attempt. `release` hands an offered or accepted lead back
 * (like a pass: excluded, capacity freed, routed to the next rep). Another rep's lead: 403.
 */
export async function actOnMyLead(rep: RepProfile, leadId: string, action: MyLeadAction, deps: RepPortalDeps): Promise<Lead> {
  const lead = await deps.leads.get(leadId);
  if (!lead) throw new LeadNotFound(leadId);
  if (lead.ownerId !== rep.id) throw new Forbidden('This is not your lead');
  if (action === 'release') {
    if (!allows('release', lead.status)) throw new LeadStateConflict(`a ${lead.status.toLowerCase()} lead cannot be handed back`);
    const { lead: released } = await deps.leads.commit('release', {
      lead,
      at: deps.now(),
      actor: `rep:${rep.id}`,
      detail: { attempt: lead.attempt },
      rep: { id: rep.id },
      effects: [routeAgain(lead.id), drainTeam(lead.teamId)],
    });
    return released;
  }
  const result = await respondToOffer({ leadId, repId: rep.id, attempt: lead.attempt, action }, deps);
  if (result.state !== 'done') throw new LeadStateConflict(`this lead can no longer be marked ${action}`);
  return result.lead;
}

/**
 * The rep saved their profile. It applies to the next routing decision (rosters are cached for
 * seconds), and the team queue is offered again in case the rep can now take a waiting lead:
 * the drain is recorded in the save's own write. The save holds only while `session` is current
 * and the capacity within the admin's maximum, checked in the write itself, so a sign-out
 * elsewhere or a lower maximum set meanwhile wins.
 */
export async function updateMyProfile(rep: RepProfile, changes: ProfileChanges, session: Pick<SessionClaims, 'v'>, deps: Pick<RepPortalDeps, 'reps'>): Promise<RepProfile> {
  return deps.reps.updateProfile(rep.id, changes, { sessionVersion: session.v }, [drainTeam(rep.teamId)]);
}

export interface TeamOverview {
  readonly team: Team;
  readonly members: readonly RepProfile[];
  readonly queue: readonly Lead[];
  /** Leads past their contact deadline that nobody has contacted, queued or held. */
  readonly overdue: readonly Lead[];
}

const uncontacted: ReadonlySet<LeadStatus> = new Set([LeadStatus.offered, LeadStatus.accepted, LeadStatus.queued]);

function requireManager(rep: RepProfile): void {
  if (rep.role !== 'manager') throw new Forbidden('Only team managers can see this page');
}

/** A manager's view of their team: who is available with what load, the queue, and what is overdue. */
export async function teamOverview(manager: RepProfile, deps: RepPortalDeps): Promise<TeamOverview> {
  requireManager(manager);
  const [members, queue] = await Promise.all([deps.reps.listTeam(manager.teamId), deps.leads.teamQueueLeads(manager.teamId)]);
  const held = (await Promise.all(members.map((member) => deps.leads.ownerLeads(member.id)))).flat();
  const now = deps.now().toISOString();
  const overdue = [...held, ...queue].filter((lead) => uncontacted.has(lead.status) && lead.contactDeadline < now);
  overdue.sort((a, b) => a.contactDeadline.localeCompare(b.contactDeadline));
  return { team: teamById(deps.config, manager.teamId), members: members.sort((a, b) => a.name.localeCompare(b.name)), queue, overdue };
}

/**
 * A manager assigns a lead of their team to a rep of their team by hand: one transaction offers
 * it to that rep (within their capacity), frees the previous owner's slot, restarts the SLA, and
 * records the offer email and timer for the new owner and the note to the previous one.
 */
export async function assignByHand(manager: RepProfile, leadId: string, repId: string, deps: RepPortalDeps): Promise<Lead> {
  requireManager(manager);
  const [lead, target] = await Promise.all([deps.leads.get(leadId), deps.reps.get(repId)]);
  if (!lead) throw new LeadNotFound(leadId);
  if (lead.teamId !== manager.teamId || !target || target.teamId !== manager.teamId) throw new Forbidden('Leads can only be assigned within your team');
  if (!allows('assign', lead.status)) throw new LeadStateConflict(`a ${lead.status.toLowerCase()} lead cannot be reassigned`);
  if (lead.ownerId === target.id) throw new LeadStateConflict(`${target.name} already has this lead`);
  if (target.disabled === true) throw new LeadStateConflict(`${target.name} is switched off by an admin and cannot take leads`);
  // The offer email would bounce: the rep would never see it, and the feedback would take it straight back.
  if (target.unreachable) throw new LeadStateConflict(`email to ${target.name} cannot be delivered (${target.unreachable.address}); import them again with a working address first`);
  const now = deps.now();
  const team = teamById(deps.config, lead.teamId);
  const tier = lead.tier ?? 'warm';
  const previous = lead.ownerId && isHeld(lead.status) ? await deps.reps.get(lead.ownerId) : undefined;
  // By hand the SLA restarts: the new owner gets the tier's full time from now.
  const contactDeadline = contactDeadlineFor({ receivedAt: lead.receivedAt, slaStartedAt: now.toISOString() }, team, deps.config.tiers[tier], deps.minutes);
  const offered: Lead = { ...lead, status: LeadStatus.offered, ownerId: target.id, attempt: lead.attempt + 1, offeredAt: now.toISOString(), tier, contactDeadline };
  const timer = slaTimerFor(offered, team, deps.config.tiers, deps.minutes, now);
  const email = offerEmail({
    lead: offered,
    rep: target,
    acceptUrl: deps.actionUrl(offered, target.id, 'accept'),
    rejectUrl: deps.actionUrl(offered, target.id, 'reject'),
    acceptDeadline: timer.acceptDeadline,
  });
  const committed = await deps.leads.commit('assign', {
    lead,
    at: now,
    actor: `manager:${manager.id}`,
    detail: { reason: `assigned by ${manager.name}`, repId: target.id, attempt: offered.attempt, ...(previous ? { previousOwner: previous.id } : {}) },
    rep: { id: target.id, counters: countersFor(target, now) },
    set: { tier, score: lead.score ?? 0, contactDeadline, slaStartedAt: now.toISOString(), acceptDeadline: timer.acceptDeadline },
    effects: [
      sendEmail('offer-email', email),
      startTimer(timer),
      ...(previous ? [sendEmail('moved-email', offerMovedEmail({ lead, rep: previous, why: 'manager' })), drainTeam(lead.teamId)] : []),
    ],
  });
  return committed.lead;
}
