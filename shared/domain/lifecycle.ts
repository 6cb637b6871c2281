import type { FollowUp } from './follow-ups.ts';
import { LeadStatus } from './lead.ts';

export { FollowUps, SWEEP_GRACE_FLOOR_MS, SWEEP_GRACE_MINUTES, type FollowUp } from './follow-ups.ts';

/**
 * The lead lifecycle as one table. Each transition names the statuses it may start from, the
 * status it goes to, the guard its conditional write carries, what it does to the rep's
 * capacity, the history event it records, and the follow-up effects it may need. The lead store
 * commits a transition from this table as one TransactWriteItems (state change, capacity, history
 * and the effects' outbox records together), and pages and use cases ask the table what a status
 * allows instead of restating it.
 */

/** Who may make the change, beyond the lead being in a from-status at the attempt read. */
export type Guard =
  /** Only the rep who holds the lead in this attempt. */
  | 'owner'
  /** Anyone whose read of the lead is current (status and attempt unchanged). */
  | 'current'
  /** Once per attempt: the named lead field records the attempt it was done for. */
  | { readonly oncePer: 'attempt'; readonly field: 'remindedAttempt' | 'openedAttempt' }
  /** Once per contact deadline: a reassigned lead's new deadline may be escalated again. */
  | { readonly oncePer: 'deadline'; readonly field: 'escalatedDeadline' }
  /** At most once per quiet period: the field records when it was last done, and it is done again only once the period has passed. */
  | { readonly oncePer: 'quiet-period'; readonly field: 'resubmissionNoticeAt' }
  /** Once per planned instant: the field records the instant a follow-up was last planned for. */
  | { readonly oncePer: 'planned-time'; readonly field: 'resubmissionSummaryAt' };

/**
 * `take`: one open lead more for the new owner, within capacity and caps. `release`: one fewer
 * for the owner. `move`: taken by the new owner and released by the previous one, if any.
 */
export type CapacityEffect = 'take' | 'release' | 'move' | 'none';


export interface Transition {
  readonly from: readonly LeadStatus[];
  /** `same`: the status stays; only fields, history and effects change. */
  readonly to: LeadStatus | 'same';
  readonly guard: Guard;
  readonly capacity: CapacityEffect;
  /** The kind of history event it records. */
  readonly event: string;
  /** A new attempt starts: links and timers of the previous one go stale. */
  readonly newAttempt?: true;
  /** The owner is excluded from the lead from now on (never offered it again). */
  readonly excludesOwner?: true;
  readonly followUps: readonly FollowUp[];
}

const { received, offered, accepted, contacted, queued, nurture, closed } = LeadStatus;
/** Statuses in which a rep holds the lead (and it counts against their capacity). */
export const heldStatuses: readonly LeadStatus[] = [offered, accepted, contacted];
/** Statuses in which the lead is not done with: routing, a rep or the team still owes it something. */
export const openStatuses: readonly LeadStatus[] = [received, queued, offered, accepted];

/** A lead going back to routing: excluded owner, capacity freed, routed again, the team's queue offered the freed slot. */
const backToRouting = { to: received, guard: 'owner', capacity: 'release', excludesOwner: true } as const;

export const lifecycle = {
  offer: { from: [received, queued], to: offered, guard: 'current', capacity: 'take', event: 'offered', newAttempt: true, followUps: ['offer-email', 'sla-timer'] },
  assign: {
    from: [received, queued, offered, accepted],
    to: offered,
    guard: 'current',
    capacity: 'move',
    event: 'assigned',
    newAttempt: true,
    followUps: ['offer-email', 'sla-timer', 'moved-email', 'drain-team'],
  },
  accept: { from: [offered], to: accepted, guard: 'owner', capacity: 'none', event: 'accepted', followUps: [] },
  pass: { from: [offered], ...backToRouting, event: 'passed', followUps: ['route', 'drain-team'] },
  expire: { from: [offered], ...backToRouting, event: 'offer-expired', followUps: ['route', 'drain-team', 'moved-email'] },
  undeliverable: { from: [offered], ...backToRouting, event: 'offer-undeliverable', followUps: ['route', 'drain-team'] },
  release: { from: [offered, accepted], ...backToRouting, event: 'released', followUps: ['route', 'drain-team'] },
  reassign: { from: [offered, accepted], ...backToRouting, event: 'reassigned', followUps: ['route', 'drain-team', 'moved-email'] },
  remind: { from: [offered, accepted], to: 'same', guard: { oncePer: 'attempt', field: 'remindedAttempt' }, capacity: 'none', event: 'reminded', followUps: ['reminder-email'] },
  contacted: { from: [offered, accepted], to: contacted, guard: 'owner', capacity: 'none', event: 'contacted', followUps: [] },
  close: { from: [accepted, contacted], to: closed, guard: 'owner', capacity: 'release', event: 'closed', followUps: ['drain-team'] },
  escalate: {
    from: [received, queued, offered, accepted],
    to: 'same',
    guard: { oncePer: 'deadline', field: 'escalatedDeadline' },
    capacity: 'none',
    event: 'escalated',
    followUps: ['escalation-email'],
  },
  queue: { from: [received], to: queued, guard: 'current', capacity: 'none', event: 'queued', followUps: ['sla-timer', 'queue-notice'] },
  'open-to-team': { from: [queued], to: 'same', guard: { oncePer: 'attempt', field: 'openedAttempt' }, capacity: 'none', event: 'opened-to-team', followUps: ['claim-invite'] },
  claim: { from: [queued], to: accepted, guard: 'current', capacity: 'take', event: 'claimed', newAttempt: true, followUps: ['sla-timer'] },
  pull: { from: [queued], to: accepted, guard: 'current', capacity: 'take', event: 'pulled', newAttempt: true, followUps: ['sla-timer'] },
  nurture: { from: [received, queued], to: nurture, guard: 'current', capacity: 'none', event: 'nurture', followUps: ['marketing-email'] },
  /** A hot or warm resubmission of a nurtured lead: back to routing, for sales this time. */
  reopen: { from: [nurture], to: received, guard: 'current', capacity: 'none', event: 'reopened', followUps: ['route'] },
  /**
   * The same person got in touch again: the owner hears it, at most once an hour (the quiet
   * period), with every resubmission not told yet.
   */
  'tell-owner': {
    from: [offered, accepted, contacted],
    to: 'same',
    guard: { oncePer: 'quiet-period', field: 'resubmissionNoticeAt' },
    capacity: 'none',
    event: 'owner-told',
    followUps: ['resubmission-notice'],
  },
  /**
   * Resubmissions within the quiet period: the owner's summary is planned for its end, once (a
   * message to routing, recorded for then), so the last of them is never left untold.
   */
  'plan-owner-summary': {
    from: [offered, accepted, contacted],
    to: 'same',
    guard: { oncePer: 'planned-time', field: 'resubmissionSummaryAt' },
    capacity: 'none',
    event: 'owner-summary-planned',
    followUps: ['route'],
  },
  /**
   * The owner takes contact details a resubmission brought (a public form's never enter the lead
   * on their own): the contact fields change, the status stays.
   */
  'use-details': { from: [offered, accepted, contacted], to: 'same', guard: 'owner', capacity: 'none', event: 'details-used', followUps: [] },
  /** Found waiting for routing by the sweeper: sent to routing again. */
  sweep: { from: [received], to: 'same', guard: 'current', capacity: 'none', event: 'swept', followUps: ['route'] },
  /** The SLA timer gave up on a step: recorded, and the lead gets a new watcher (and routing, if it waits for it). */
  'timer-failed': { from: [received, queued, offered, accepted], to: 'same', guard: 'current', capacity: 'none', event: 'timer-failed', followUps: ['sla-timer', 'route'] },
} as const satisfies Record<string, Transition>;

export type TransitionName = keyof typeof lifecycle;

export function transitionOf(name: TransitionName): Transition {
  return lifecycle[name];
}

/** Whether the lead may make this transition from the status it is in (guards aside). */
export function allows(name: TransitionName, status: LeadStatus): boolean {
  return (lifecycle[name].from as readonly LeadStatus[]).includes(status);
}

/** The status a transition leaves a lead in. */
export function statusAfter(name: TransitionName, status: LeadStatus): LeadStatus {
  const { to } = lifecycle[name];
  return to === 'same' ? status : to;
}

/** Throws when a use case asks a transition for a follow-up the table does not give it. */
export function checkFollowUps(name: TransitionName, followUps: readonly FollowUp[]): void {
  const allowed: readonly FollowUp[] = lifecycle[name].followUps;
  const stray = followUps.filter((followUp) => !allowed.includes(followUp));
  if (stray.length > 0) throw new Error(`The ${name} transition has no follow-up ${stray.join(', ')} (it may have: ${allowed.join(', ') || 'none'})`);
}

export const isHeld = (status: LeadStatus) => heldStatuses.includes(status);
export const isOpen = (status: LeadStatus) => openStatuses.includes(status);


/**
 * When the sweeper should look at a lead next if nothing moved it on: a minute after it began to
 * wait for routing; after its accept window (offered) or contact deadline (accepted or queued,
 * until escalated); never for a lead nobody owes anything any more.
 */
export function nextDueAt(
  lead: { readonly status: LeadStatus; readonly acceptDeadline?: string; readonly contactDeadline: string; readonly escalatedDeadline?: string },
  now: Date,
  graceMs: number,
): string | undefined {
  const plus = (iso: string) => new Date(Date.parse(iso) + graceMs).toISOString();
  switch (lead.status) {
    case received:
      return new Date(now.getTime() + graceMs).toISOString();
    case offered:
      return plus(lead.acceptDeadline ?? lead.contactDeadline);
    case accepted:
    case queued:
      return lead.escalatedDeadline === lead.contactDeadline ? undefined : plus(lead.contactDeadline);
    default:
      return undefined;
  }
}
