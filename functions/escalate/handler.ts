import middy from '@middy/core';
import { z } from 'zod';
import { LeadStore } from '#shared/adapters/lead-store.ts';
import { Mailer } from '#shared/adapters/mailer.ts';
import { RepStore } from '#shared/adapters/rep-store.ts';
import { RoutingQueue } from '#shared/adapters/routing-queue.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { loadRoutingSettings, requireEnv } from '#shared/config/runtime.ts';
import { actionLinkBuilder } from '#shared/domain/link-token.ts';
import { logger, observed, recordDeadline } from '#shared/observability.ts';
import { escalateLead, type EscalationOutcome } from '#shared/use-cases/escalate-lead.ts';
import { expireOffer, type ExpiryOutcome } from '#shared/use-cases/expire-offer.ts';
import { remindOwner, type ReminderOutcome } from '#shared/use-cases/remind-owner.ts';

const tableName = requireEnv('TABLE_NAME');
const leads = new LeadStore(tableName);
const reps = new RepStore(tableName);
const mailer = new Mailer(requireEnv('EMAIL_FROM'), { configurationSet: process.env.SES_CONFIGURATION_SET });
const now = () => new Date();
const settings = loadRoutingSettings();
const queue = new RoutingQueue(requireEnv('ROUTING_QUEUE_URL'));
const actionUrl = actionLinkBuilder(await loadSecret(requireEnv('LINK_SIGNING_SECRET')), requireEnv('PUBLIC_BASE_URL'), settings.linkTtlHours);

const TimerStepSchema = z.object({
  /** Which instant of the offer came. */
  step: z.enum(['accept-window', 'reminder', 'contact-deadline']),
  leadId: z.string().min(1),
  attempt: z.number().int().nonnegative(),
  acceptDeadline: z.iso.datetime(),
  reminderAt: z.iso.datetime(),
  contactDeadline: z.iso.datetime(),
});

/** Task states of the SLA timer: the accept window, the reminder time or the contact deadline of one lead attempt came. */
export const handler = middy<unknown, EscalationOutcome | ExpiryOutcome | ReminderOutcome>()
  .use(observed())
  .handler(async (event) => {
    const { step, ...input } = TimerStepSchema.parse(event);
    logger.appendKeys({ leadId: input.leadId });
    const outcome =
      step === 'accept-window'
        ? await expireOffer(input, { leads, reps, queue, mailer, now })
        : step === 'reminder'
          ? await remindOwner(input, { leads, reps, mailer, actionUrl, now })
          : await escalateLead(input, { leads, reps, queue, mailer, settings, now });
    logger.info('deadline checked', { step, outcome });
    recordDeadline(outcome);
    return outcome;
  });
