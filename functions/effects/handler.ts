import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { AttributeValue as StreamAttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { EffectRecordSchema, ownerOf } from '#shared/adapters/outbox.ts';
import { logger, observed } from '#shared/observability.ts';
import { outbox } from './composition.ts';

async function relayRecord(record: DynamoDBRecord): Promise<void> {
  const image = record.dynamodb?.NewImage;
  // The event source mapping's filter lets only pending effect records through; anything else is not ours.
  if (!image) return;
  const parsed = EffectRecordSchema.safeParse(unmarshall(image as Record<string, AttributeValue> & Record<string, StreamAttributeValue>));
  if (!parsed.success) {
    logger.error('stream record is not an effect; skipped', { sequenceNumber: record.dynamodb?.SequenceNumber });
    return;
  }
  const effect = parsed.data;
  // A lead's effect is logged by its lead id, a rep's by the rep's.
  logger.appendKeys(ownerOf(effect));
  try {
    const outcome = await outbox.relay(effect);
    logger.info('effect relayed', { effectId: effect.id, purpose: effect.purpose, outcome });
  } finally {
    logger.removeKeys(['leadId', 'repId']);
  }
}

/**
 * The effects relay: the table's stream delivers every effect a lead's transition or a rep's
 * account change recorded (and every one the sweeper re-arms); each is claimed, performed once
 * and marked done. A failed one is
 * reported alone, so the stream retries it (bisecting a batch that fails as a whole) and, once
 * the retries are spent, sends it to the relay's DLQ, which alarms; the sweeper re-arms it later.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(observed())
  .handler(async (event, context) =>
    processPartialResponse(event, relayRecord, new BatchProcessor(EventType.DynamoDBStreams), { context, throwOnFullBatchFailure: false }),
  );
