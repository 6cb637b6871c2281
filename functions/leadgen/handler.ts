import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { PlatformRefused, PlatformTokenRejected, PlatformUnavailable } from '#shared/adapters/platform-api.ts';
import { PlatformTokenMissing } from '#shared/adapters/platform-tokens.ts';
import { InvalidLead } from '#shared/domain/errors.ts';
import { PlatformJobSchema, retryDelaySeconds, type PlatformJob } from '#shared/ingest/platforms/platform-job.ts';
import { recordReceived } from '#shared/metrics/lead-funnel.ts';
import { loggableError, logger, observed } from '#shared/observability.ts';
import { fetchPlatformLead } from '#shared/use-cases/fetch-platform-lead.ts';
import { deps, env, fetchQueue } from './composition.ts';

const TOKEN_HELP = 'set a valid one in the PlatformAccessTokens secret (README "Ad platforms"); the job is retried, and after its last try waits in the platform fetch DLQ for "npm run admin -- redrive"';

/** The log line of a failed fetch: what went wrong, and what a person can do about it. */
function whatToFix(error: unknown, job: PlatformJob): string {
  if (error instanceof PlatformTokenRejected) return `${error.message}: the access token of the source "${job.sourceId}" expired or was revoked; ${TOKEN_HELP}`;
  if (error instanceof PlatformTokenMissing) return `${error.message}; ${TOKEN_HELP}`;
  if (error instanceof PlatformRefused) return `${error.message}: check that the token of "${job.sourceId}" may read this form's leads (Meta: leads_retrieval and the page; LinkedIn: r_marketing_leadgen_automation); retried, then kept in the platform fetch DLQ`;
  if (error instanceof PlatformUnavailable) return `${error.message}; retried with backoff`;
  if (error instanceof InvalidLead) return 'the fetched lead is not one the lead schema takes (see errors); kept in the platform fetch DLQ once its retries are spent, for a person to look at';
  return 'fetching the platform lead failed; the job will be retried';
}

async function fetchRecord(record: SQSRecord): Promise<void> {
  // A body that is not a job fails every retry and ends in the DLQ for a human.
  const job = PlatformJobSchema.parse(JSON.parse(record.body));
  logger.appendKeys({ platform: job.platform, platformLeadId: job.leadId, sourceId: job.sourceId });
  try {
    const received = await fetchPlatformLead(job, deps);
    logger.info('platform lead received', { leadId: received.joinedLeadId ?? received.leadId, status: received.joinedLeadId ? 'joined' : received.status, replayed: received.replayed ?? false });
    recordReceived(received);
  } catch (error) {
    const attempt = Number(record.attributes.ApproximateReceiveCount ?? '1');
    const retryInSeconds = retryDelaySeconds(attempt, env.TIME_SCALE);
    logger.error(whatToFix(error, job), {
      error: loggableError(error),
      ...(error instanceof InvalidLead ? { errors: error.problems.map((problem) => problem.field) } : {}),
      attempt,
      retryInSeconds,
      messageId: record.messageId,
    });
    // The backoff: the job stays invisible that long. If this fails, the queue's own visibility timeout applies.
    await fetchQueue.retryAfter(record.receiptHandle, retryInSeconds).catch((visibilityError: unknown) => {
      logger.warn('could not set the retry delay; the queue visibility timeout applies', { error: loggableError(visibilityError) });
    });
    throw error;
  } finally {
    logger.removeKeys(['platform', 'platformLeadId', 'sourceId']);
  }
}

/**
 * SQS (platform fetch queue) -> leadgen: each record is one lead an ad platform announced,
 * fetched from its API and taken like a webhook post. Records are handled independently and
 * only the failed ones are reported back, so one lead that cannot be fetched never holds up the others.
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(observed())
  .handler(async (event, context) => processPartialResponse(event, fetchRecord, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false }));
