import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import { refreshRouting } from '#shared/config/routing-source.ts';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { RoutingMessageSchema } from '#shared/adapters/routing-queue.ts';
import { allows } from '#shared/domain/lifecycle.ts';
import { recordRouted } from '#shared/metrics/lead-funnel.ts';
import { loggableError, logger, observed } from '#shared/observability.ts';
import { drainTeamQueue, routeLead } from '#shared/use-cases/route-lead.ts';
import { tellOwnerOfResubmission } from '#shared/use-cases/tell-owner-of-resubmission.ts';
import { deps, routing } from './composition.ts';

async function routeRecord(record: SQSRecord): Promise<void> {
  // A body that is not a routing message fails every retry and ends in the DLQ for a human.
  const message = RoutingMessageSchema.parse(JSON.parse(record.body));
  if ('drainTeam' in message) {
    const outcomes = await drainTeamQueue(message.drainTeam, deps);
    logger.info('team queue drained', { teamId: message.drainTeam, outcomes });
    for (const outcome of outcomes) recordRouted(outcome);
    return;
  }
  const { leadId } = message;
  logger.appendKeys({ leadId });
  try {
    if ('resubmittedAt' in message) {
      // A lead still waiting for a rep is routed; one a rep holds, its owner hears of.
      const lead = await deps.leads.get(leadId);
      if (!lead || !allows('offer', lead.status)) {
        const outcome = await tellOwnerOfResubmission(leadId, deps);
        logger.info('resubmission handled', { outcome });
        return;
      }
    }
    const outcome = await routeLead(leadId, deps);
    logger.info('lead routed', { outcome });
    recordRouted(outcome);
  } catch (error) {
    // The batch processor only reports the record as failed; say why, with the lead id.
    logger.error('routing failed; the message will be retried', { error: loggableError(error), messageId: record.messageId });
    throw error;
  } finally {
    logger.removeKeys(['leadId']);
  }
}

/**
 * SQS -> route: each record is one lead id, or a team whose queue to offer again. Records are handled independently and only the
 * failed ones are reported back, so one bad lead never redelivers its neighbours.
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(observed())
  .use(refreshRouting(routing))
  .handler(async (event, context) =>
    // A processor per batch: it keeps the batch's records and failures as state.
    processPartialResponse(event, routeRecord, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false }),
  );
