import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { parseMailFeedback, SnsEventSchema, undeliverableAddresses } from '#shared/domain/ses-feedback.ts';
import { refreshRouting } from '#shared/config/routing-source.ts';
import { logger, observed } from '#shared/observability.ts';
import { markRepUnreachable, type UnreachableOutcome } from '#shared/use-cases/mark-rep-unreachable.ts';
import { deps, routing } from './composition.ts';

/** What became of one SNS record: the outcome per undeliverable address, or why nothing was done. */
export type FeedbackResult =
  | { readonly snsMessageId: string; readonly outcomes: readonly (UnreachableOutcome & { readonly address: string })[] }
  | { readonly snsMessageId: string; readonly ignored: string };

/**
 * SES bounce and complaint notifications (SNS): a rep whose address cannot take mail leaves
 * routing and the manager hears it. Anything else SES reports is logged and ignored, and a
 * message that cannot be read is logged as an error and skipped: SNS would retry a failed
 * invocation, and the same bytes would fail again. Storage failures do throw, so the invocation
 * is retried (every step is idempotent) and finally lands in the function's DLQ. A failed send of
 * the manager's notice does not: it is recorded with the notice, and the effects relay sends it.
 */
export const handler = middy<SNSEvent, { results: FeedbackResult[] }>()
  .use(observed())
  .use(refreshRouting(routing))
  .handler(async (event) => {
    const envelope = SnsEventSchema.safeParse(event);
    if (!envelope.success) {
      logger.error('not an SNS event; skipped', { issues: envelope.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) });
      return { results: [] };
    }
    const results: FeedbackResult[] = [];
    for (const { Sns } of envelope.data.Records) {
      const snsMessageId = Sns.MessageId;
      const parsed = parseMailFeedback(Sns.Message);
      if (!parsed.ok) {
        logger.error('unreadable SES notification; skipped', { snsMessageId, problem: parsed.problem });
        results.push({ snsMessageId, ignored: `unreadable: ${parsed.problem}` });
        continue;
      }
      const { feedback } = parsed;
      const addresses = undeliverableAddresses(feedback);
      if (addresses.length === 0) {
        const what = feedback.kind === 'bounce' ? `${feedback.bounceType.toLowerCase()} bounce` : feedback.kind === 'complaint' ? 'complaint' : feedback.type;
        logger.info('SES notification needs no action', { snsMessageId, what, sesMessageId: feedback.messageId });
        results.push({ snsMessageId, ignored: what });
        continue;
      }
      const outcomes = [];
      for (const undeliverable of addresses) {
        const outcome = await markRepUnreachable(undeliverable, deps);
        // The rep's id (in the outcome), never the address.
        logger.info(outcome.kind === 'not-a-rep' ? 'undeliverable address is not a rep; ignored' : 'rep unreachable by email', {
          snsMessageId,
          reason: undeliverable.reason,
          ...outcome,
        });
        outcomes.push({ address: undeliverable.address, ...outcome });
      }
      results.push({ snsMessageId, outcomes });
    }
    return { results };
  });
