import type { Email } from '../adapters/mailer.ts';
import type { NewEffect } from '../adapters/outbox.ts';
import type { SlaTimerInput } from '../adapters/sla-timer.ts';
import type { FollowUp } from '../domain/lifecycle.ts';

/**
 * The follow-up effects use cases hand to a transition, built the same way everywhere: an email
 * rendered now, the SLA timer of an attempt, a message to routing. They are recorded in the
 * transition's transaction and performed after it (see adapters/outbox.ts).
 */

type EmailFollowUp = Extract<FollowUp, `${string}-email` | 'queue-notice' | 'claim-invite' | 'resubmission-notice' | 'unreachable-notice'>;

export const sendEmail = (purpose: EmailFollowUp, email: Email, oncePer?: { key: string; withinMs: number }): NewEffect => ({
  purpose,
  action: { kind: 'email', email, ...(oncePer ? { oncePer } : {}) },
});

export const startTimer = (input: SlaTimerInput): NewEffect => ({ purpose: 'sla-timer', action: { kind: 'timer', input } });

/** The lead back on the routing queue, for the next rep. */
export const routeAgain = (leadId: string): NewEffect => ({ purpose: 'route', action: { kind: 'message', message: { leadId } } });

/** A rep's slot freed up: the team's queue is offered again. */
export const drainTeam = (teamId: string): NewEffect => ({ purpose: 'drain-team', action: { kind: 'message', message: { drainTeam: teamId } } });

/**
 * Routing is told about the lead's resubmissions again at `at` (not before): the owner's summary
 * of what a quiet period held back.
 */
export const resubmissionsLater = (leadId: string, at: string): NewEffect => ({
  purpose: 'route',
  action: { kind: 'message', message: { leadId, resubmittedAt: at } },
  notBefore: at,
});
