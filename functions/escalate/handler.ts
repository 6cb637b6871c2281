import middy from '@middy/core';
import * as z from '../../shared/zod.ts';
import { recordDeadline } from '#shared/metrics/lead-funnel.ts';
import { refreshRouting } from '#shared/config/routing-source.ts';
import { logger, observed } from '#shared/observability.ts';
import { escalateLead, type EscalationOutcome } from '#shared/use-cases/escalate-lead.ts';
import { expireOffer, type ExpiryOutcome } from '#shared/use-cases/expire-offer.ts';
import { remindOwner, type ReminderOutcome } from '#shared/use-cases/remind-owner.ts';
import { recoverTimer, type RecoveryOutcome } from '#shared/use-cases/recover-timer.ts';
import { deps, routing } from './composition.ts';

const TimerStepSchema = z.object({
  /** Which instant of the offer came. */
  step: z.enum(['accept-window', 'reminder', 'contact-deadline', 'timer-failed']),
  leadId: z.string().check(z.minLength(1)),
  attempt: z.number().check(z.int(), z.nonnegative()),
  acceptDeadline: z.iso.datetime(),
  reminderAt: z.iso.datetime(),
  contactDeadline: z.iso.datetime(),
  /** What the state machine caught, for `timer-failed`. */
  failure: z.optional(z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
});

/**
 * Task states of the SLA timer: the accept window, the reminder time or the contact deadline of
 * one lead attempt came, or (`timer-failed`) a step gave up after its retries and the timer's
 * Catch hands the lead on.
 */
export const handler = middy<unknown, EscalationOutcome | ExpiryOutcome | ReminderOutcome | RecoveryOutcome>()
  .use(observed())
  .use(refreshRouting(routing))
  .handler(async (event) => {
    const { step, failure, ...input } = TimerStepSchema.parse(event);
    logger.appendKeys({ leadId: input.leadId });
    const outcome =
      step === 'accept-window'
        ? await expireOffer(input, deps)
        : step === 'reminder'
          ? await remindOwner(input, deps)
          : step === 'contact-deadline'
            ? await escalateLead(input, deps)
            : await recoverTimer(input, failure ?? {}, deps);
    // The manager's address stays out of the log line.
    logger.info('deadline checked', { step, outcome: 'to' in outcome ? { ...outcome, to: undefined } : outcome });
    recordDeadline(outcome);
    return outcome;
  });
