import { GetCommand, paginateQuery, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lead } from '../domain/lead.ts';
import type { EffectRecord } from './outbox.ts';
import { queryPartition } from './query-all.ts';
import {
  effectsPrefix,
  historyPrefix,
  leadKey,
  leadPartition,
  ownerIndexKey,
  teamQueueKey,
  toEffectRecord,
  toLead,
  toLeadEvent,
  type LeadEvent,
} from './table-items.ts';

export type StoredEffectRecord = EffectRecord & { readonly lastError?: string; readonly doneAt?: string; readonly suppressed?: boolean };

/** Reads of leads: one lead with its history and effects, a rep's open leads, a team's queue. */
export class LeadQueries {
  readonly #table: string;
  readonly #db: DynamoDBDocumentClient;

  constructor(tableName: string, db: DynamoDBDocumentClient) {
    this.#table = tableName;
    this.#db = db;
  }

  async get(leadId: string): Promise<Lead | undefined> {
    const { Item } = await this.#db.send(new GetCommand({ TableName: this.#table, Key: leadKey(leadId), ConsistentRead: true }));
    return Item ? toLead(Item) : undefined;
  }

  async history(leadId: string): Promise<LeadEvent[]> {
    return queryPartition(this.#db, this.#table, leadPartition(leadId), historyPrefix, toLeadEvent);
  }

  /** The lead's effect records, oldest first: what its transitions left to be done, and how that went. */
  async effects(leadId: string): Promise<StoredEffectRecord[]> {
    return queryPartition(this.#db, this.#table, leadPartition(leadId), effectsPrefix, toEffectRecord);
  }

  /** Ids of the leads waiting in a team's queue, in the order they should be offered. */
  async teamQueue(teamId: string, limit = 25): Promise<string[]> {
    const { Items = [] } = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :queue',
        ExpressionAttributeValues: { ':queue': teamQueueKey(teamId) },
        ProjectionExpression: 'id',
        Limit: limit,
      }),
    );
    return Items.map((item) => item.id as string);
  }

  /** A rep's open leads (offered, accepted or contacted), oldest offer first. Index reads may lag a moment. */
  async ownerLeads(repId: string): Promise<Lead[]> {
    return this.#queryIndex('gsi2', 'gsi2pk', ownerIndexKey(repId), 100);
  }

  /** The leads waiting in a team's queue, hot before warm before cold, then oldest first. */
  async teamQueueLeads(teamId: string, limit = 50): Promise<Lead[]> {
    return this.#queryIndex('gsi1', 'gsi1pk', teamQueueKey(teamId), limit);
  }

  /** The first `limit` leads under one key of an index, in its order. */
  async #queryIndex(index: 'gsi1' | 'gsi2', key: string, value: string, limit: number): Promise<Lead[]> {
    const leads: Lead[] = [];
    const pages = paginateQuery(
      { client: this.#db, pageSize: limit },
      { TableName: this.#table, IndexName: index, KeyConditionExpression: `${key} = :value`, ExpressionAttributeValues: { ':value': value } },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) leads.push(toLead(item));
      // Every page asks for `limit`; one cut short at DynamoDB's 1 MB is followed by the next.
      if (leads.length >= limit) break;
    }
    return leads.slice(0, limit);
  }
}
