import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { LeadStore } from '#shared/adapters/lead-store.ts';
import { Mailer } from '#shared/adapters/mailer.ts';
import { RepStore } from '#shared/adapters/rep-store.ts';
import { loadRoutingSettings, requireEnv } from '#shared/config/runtime.ts';
import { logger } from '#shared/observability.ts';
import { escalateLead, type EscalateLeadDeps, type EscalationOutcome } from '#shared/use-cases/escalate-lead.ts';

const tableName = requireEnv('TABLE_NAME');
const deps: EscalateLeadDeps = {
  leads: new LeadStore(tableName),
  reps: new RepStore(tableName),
  mailer: new Mailer(requireEnv('EMAIL_FROM')),
  settings: loadRoutingSettings(),
  now: () => new Date(),
};

const TimerInputSchema = z.object({
  leadId: z.string().min(1),
  attempt: z.number().int().nonnegative(),
  contactDeadline: z.iso.datetime(),
});

/** Task state of the SLA timer: the contact deadline of one lead attempt has passed. */
export const handler = middy<unknown, EscalationOutcome>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const input = TimerInputSchema.parse(event);
    logger.appendKeys({ leadId: input.leadId });
    const outcome = await escalateLead(input, deps);
    logger.info('deadline checked', { outcome });
    return outcome;
  });
