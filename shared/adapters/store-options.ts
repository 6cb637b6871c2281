import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDocument } from './aws-clients.ts';
import type { Outbox } from './outbox.ts';

/** What a store that writes lead transitions needs beyond its table. */
export interface StoreOptions {
  /** Records (and, where this function can, performs) the effects of each write with the write itself. */
  readonly outbox?: Outbox;
  /**
   * Grace before the sweeper acts on a lead nothing moved on: what the SLA timer gets, and how
   * long a new lead may wait for routing (real ms, time-scaled locally).
   */
  readonly sweepGraceMs?: number;
  readonly db?: DynamoDBDocumentClient;
}

/** Grace of a minute of SLA time; time-scaled in the composition roots. */
const DEFAULT_GRACE_MS = 60_000;

/** The options with their defaults; a bare client stands for `{ db }`. */
export function resolveStoreOptions(options: StoreOptions | DynamoDBDocumentClient) {
  const resolved: StoreOptions = 'send' in options ? { db: options } : options;
  return { db: resolved.db ?? dynamoDocument, outbox: resolved.outbox, graceMs: resolved.sweepGraceMs ?? DEFAULT_GRACE_MS };
}
