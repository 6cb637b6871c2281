/**
 * What follows a transition, and when the sweeper steps in: the names and constants the outbox
 * and every composition root need, apart from the lifecycle table (lifecycle.ts), so a function
 * that records effects but commits no transition (intake) does not carry the table.
 */

/**
 * Effects a transition may leave in the outbox, each performed once after the commit. A rep's own
 * account changes leave some too (`drain-team`, and `sign-in-email` and `unreachable-notice`,
 * which no transition lists: the latter tells the manager that the rep's address bounced).
 */
export const FollowUps = [
  'offer-email',
  'moved-email',
  'reminder-email',
  'escalation-email',
  'queue-notice',
  'claim-invite',
  'marketing-email',
  'resubmission-notice',
  'sla-timer',
  'route',
  'drain-team',
  'sign-in-email',
  'unreachable-notice',
] as const;
export type FollowUp = (typeof FollowUps)[number];

/**
 * Grace given to the SLA timer before the sweeper acts in its place (SLA minutes, scaled like
 * every other duration), and how long a lead may wait in RECEIVED before it counts as stuck.
 */
export const SWEEP_GRACE_MINUTES = 1;
/**
 * The grace never shrinks below this, however short TIME_SCALE makes the minute: the normal path
 * (stream, queue, router, the timer's task) takes its own seconds on a busy machine whatever the
 * scale, and a shorter grace would have the sweeper race it. On AWS the minute is a minute.
 */
export const SWEEP_GRACE_FLOOR_MS = 10_000;
