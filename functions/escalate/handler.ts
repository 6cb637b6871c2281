import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { LeadStore } from '#shared/adapters/lead-store.ts';
import { Mailer } from '#shared/adapters/mailer.ts';
import { RepStore } from '#shared/adapters/rep-store.ts';
import { RoutingQueue } from '#shared/adapters/routing-queue.ts';
import { loadRoutingSettings, requireEnv } from '#shared/config/runtime.ts';
import { logger } from '#shared/observability.ts';
import { escalateLead, type EscalationOutcome } from '#shared/use-cases/escalate-lead.ts';
import { expireOffer, type ExpiryOutcome } from '#shared/use-cases/expire-offer.ts';

const tableName = requireEnv('TABLE_NAME');
const leads = new LeadStore(tableName);
const reps = new RepStore(tableName);
const mailer = new Mailer(requireEnv('EMAIL_FROM'));
const now = () => new Date();
const settings = loadRoutingSettings();
const queue = new RoutingQueue(requireEnv('ROUTING_QUEUE_URL'));

const TimerStepSchema = z.object({
  /** Which deadline of the offer passed. */
  step: z.enum(['accept-window', 'contact-deadline']),
  leadId: z.string().min(1),
  attempt: z.number().int().nonnegative(),
  acceptDeadline: z.iso.datetime(),
  contactDeadline: z.iso.datetime(),
});

/** Task states of the SLA timer: the accept window or the contact deadline of one lead attempt passed. */
export const handler = middy<unknown, EscalationOutcome | ExpiryOutcome>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const { step, ...input } = TimerStepSchema.parse(event);
    logger.appendKeys({ leadId: input.leadId });
    const outcome =
      step === 'accept-window'
        ? await expireOffer(input, { leads, reps, queue, mailer, now })
        : await escalateLead(input, { leads, reps, mailer, settings, now });
    logger.info('deadline checked', { step, outcome });
    return outcome;
  });
