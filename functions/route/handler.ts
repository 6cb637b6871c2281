import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { RepStore } from '#shared/adapters/rep-store.ts';
import { RosterCache } from '#shared/adapters/roster-cache.ts';
import { RoutingMessageSchema } from '#shared/adapters/routing-queue.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { leadStoreFor } from '#shared/config/composition.ts';
import { loadRoutingSettings, minutesToMs, requireEnv } from '#shared/config/runtime.ts';
import { allows } from '#shared/domain/lifecycle.ts';
import { actionLinkBuilder } from '#shared/domain/link-token.ts';
import { recordRouted } from '#shared/metrics/lead-funnel.ts';
import { logger, observed } from '#shared/observability.ts';
import { drainTeamQueue, routeLead, type RouteLeadDeps } from '#shared/use-cases/route-lead.ts';
import { tellOwnerOfResubmission } from '#shared/use-cases/tell-owner-of-resubmission.ts';

const settings = loadRoutingSettings();
const tableName = requireEnv('TABLE_NAME');
const signingKey = await loadSecret(requireEnv('LINK_SIGNING_SECRET'));

const reps = new RepStore(tableName);
// Offers, queue notices and invitations are sent and timers started at once, after their commit.
const leads = leadStoreFor(tableName, ['email', 'timer', 'message']);
const deps: RouteLeadDeps = {
  leads,
  reps,
  // Per warm container: a team's roster is read once every few seconds, not once per lead.
  roster: new RosterCache((teamId) => reps.listTeam(teamId)),
  config: settings.routing,
  minutes: (minutes) => minutesToMs(minutes),
  now: () => new Date(),
  actionUrl: actionLinkBuilder(signingKey, requireEnv('PUBLIC_BASE_URL'), settings.linkTtlHours),
};

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
      const lead = await leads.get(leadId);
      if (!lead || !allows('offer', lead.status)) {
        const outcome = await tellOwnerOfResubmission(leadId, message.resubmittedAt, { leads, reps, now: deps.now });
        logger.info('resubmission handled', { outcome });
        return;
      }
    }
    const outcome = await routeLead(leadId, deps);
    logger.info('lead routed', { outcome });
    recordRouted(outcome);
  } catch (error) {
    // The batch processor only reports the record as failed; say why, with the lead id.
    logger.error('routing failed; the message will be retried', { error: error as Error, messageId: record.messageId });
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
  .handler(async (event, context) =>
    // A processor per batch: it keeps the batch's records and failures as state.
    processPartialResponse(event, routeRecord, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false }),
  );
