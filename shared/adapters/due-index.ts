import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, paginateQuery, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDocument } from './aws-clients.ts';
import { updateIf } from './conditional-update.ts';
import { EffectRecordSchema, EffectStatus, type EffectRecord } from './outbox.ts';
import { dueIndexKeys, dueShards, effectKey, eventItem, leadKey, oncePerKey, ownedItemOf, ownerIndexKey, repKey, stampRosterChange, type EffectOwner } from './table-items.ts';

/**
 * What the sweeper reads and repairs: the sparse index of things that are due (leads past their
 * next deadline, effects of leads and reps past their retry budget), effect records to re-arm,
 * and each rep's open-lead count against the leads they really hold.
 */

/** `dueKey`: the entry's sort key in the index, which starts with the instant it is due. */
export type DueEntry =
  | { readonly kind: 'lead'; readonly leadId: string; readonly dueKey: string }
  | { readonly kind: 'effect'; readonly owner: EffectOwner; readonly effectId: string; readonly dueKey: string };

export type StoredEffect = EffectRecord & { readonly gsi3sk?: string; readonly lastError?: string };

export class DueIndex {
  readonly #table: string;
  readonly #db: DynamoDBDocumentClient;

  constructor(tableName: string, db: DynamoDBDocumentClient = dynamoDocument) {
    this.#table = tableName;
    this.#db = db;
  }

  /** Everything due by `now`, oldest first within each shard, at most `limit` per shard. */
  async due(now: Date, limit: number): Promise<DueEntry[]> {
    const pages = await Promise.all(
      dueShards.map((shard) =>
        this.#db.send(
          new QueryCommand({
            TableName: this.#table,
            IndexName: 'gsi3',
            KeyConditionExpression: 'gsi3pk = :shard AND gsi3sk <= :now',
            // Past every sort key that starts with this instant.
            ExpressionAttributeValues: { ':shard': shard, ':now': `${now.toISOString()}~` },
            Limit: limit,
          }),
        ),
      ),
    );
    return pages.flatMap((page) =>
      (page.Items ?? []).flatMap((item): DueEntry[] => {
        const { owner, effectId } = ownedItemOf(item);
        const dueKey = String(item.gsi3sk);
        if (effectId !== undefined) return [{ kind: 'effect', owner, effectId, dueKey }];
        // Only leads are due themselves; a rep's partition is in the index by its effects alone.
        return owner.leadId !== undefined ? [{ kind: 'lead', leadId: owner.leadId, dueKey }] : [];
      }),
    );
  }

  async effect(owner: EffectOwner, effectId: string): Promise<StoredEffect | undefined> {
    const { Item } = await this.#db.send(new GetCommand({ TableName: this.#table, Key: effectKey(owner, effectId), ConsistentRead: true }));
    if (!Item) return undefined;
    const parsed = EffectRecordSchema.safeParse(Item);
    return parsed.success ? { ...parsed.data, ...(typeof Item.gsi3sk === 'string' ? { gsi3sk: Item.gsi3sk } : {}), ...(typeof Item.lastError === 'string' ? { lastError: Item.lastError } : {}) } : undefined;
  }

  /**
   * Hands a stuck effect (or one recorded for later, now due) to the relay again: pending once
   * more (the stream carries the change to the relay), due again after a longer wait, conditioned
   * on the effect being as read; a lead's with `swept` in the lead's history, in one transaction
   * (a rep has no history). False when it moved meanwhile.
   */
  async rearm(effect: StoredEffect, now: Date, nextDueAt: string): Promise<boolean> {
    const due = dueIndexKeys(effect, nextDueAt, effect.id);
    const update = {
      TableName: this.#table,
      Key: effectKey(effect, effect.id),
      ConditionExpression: '#status = :seen AND gsi3sk = :seenDue',
      // Due now by the sweeper's clock: an effect recorded for later is the relay's at once.
      UpdateExpression: 'SET #status = :pending, rearms = if_not_exists(rearms, :zero) + :one, gsi3pk = :g3, gsi3sk = :g3s REMOVE leaseUntil, notBefore',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':seen': effect.status, ':seenDue': effect.gsi3sk ?? '', ':pending': EffectStatus.pending, ':zero': 0, ':one': 1, ':g3': due.gsi3pk, ':g3s': due.gsi3sk },
    };
    if (effect.leadId === undefined) return updateIf(this.#db, update);
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: update },
            {
              Put: {
                TableName: this.#table,
                // The effect shares its lead's TTL, and so does the event.
                Item: eventItem(
                  effect.leadId,
                  {
                    at: now.toISOString(),
                    kind: 'swept',
                    actor: 'sweeper',
                    detail: { effect: effect.id, purpose: effect.purpose, attempts: effect.attempts, ...(effect.lastError ? { lastError: effect.lastError } : {}) },
                  },
                  effect.expiresAt,
                ),
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  /** A live claim: looked at again once its lease has run out. */
  async postpone(effect: StoredEffect, nextDueAt: string): Promise<void> {
    const due = dueIndexKeys(effect, nextDueAt, effect.id);
    await updateIf(this.#db, {
      TableName: this.#table,
      Key: effectKey(effect, effect.id),
      ConditionExpression: 'gsi3sk = :seenDue',
      UpdateExpression: 'SET gsi3sk = :g3s',
      ExpressionAttributeValues: { ':seenDue': effect.gsi3sk ?? '', ':g3s': due.gsi3sk },
    });
  }

  /** Takes a lead out of the due index when nothing about it is due any more (read stale from the index). */
  async clearLead(leadId: string, seenDue: string): Promise<void> {
    await updateIf(this.#db, {
      TableName: this.#table,
      Key: leadKey(leadId),
      ConditionExpression: 'gsi3sk = :seen',
      UpdateExpression: 'REMOVE gsi3pk, gsi3sk',
      ExpressionAttributeValues: { ':seen': seenDue },
    });
  }

  /**
   * The stack's recount turn: true for the first sweep at least `everyMs` after the last one to
   * take it, so concurrent or frequent sweeps recount once per period between them. A turn
   * stamped later than `now` (a sweeper whose clock runs ahead) does not block: two recounts
   * close together are harmless, every write of one being conditional; a missed one is not.
   */
  async takeRecountTurn(now: Date, everyMs: number): Promise<boolean> {
    return updateIf(this.#db, {
      TableName: this.#table,
      Key: oncePerKey('SWEEPER#RECOUNT'),
      UpdateExpression: 'SET takenAt = :now',
      ConditionExpression: 'attribute_not_exists(takenAt) OR takenAt <= :since OR takenAt > :now',
      ExpressionAttributeValues: { ':now': now.toISOString(), ':since': new Date(now.getTime() - everyMs).toISOString() },
    });
  }

  /** How many leads the rep holds (offered, accepted, contacted), by the owner index. */
  async heldBy(repId: string): Promise<number> {
    let count = 0;
    const pages = paginateQuery(
      { client: this.#db },
      {
        TableName: this.#table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :owner',
        ExpressionAttributeValues: { ':owner': ownerIndexKey(repId) },
        Select: 'COUNT',
      },
    );
    for await (const page of pages) count += page.Count ?? 0;
    return count;
  }

  /**
   * Sets the rep's open-lead count to what they hold, only if neither the count nor its last
   * change moved since it was read: an offer or release committing meanwhile wins, and the next
   * sweep looks again.
   */
  async repairLoad(repId: string, seen: { openLeads: number; loadChangedAt?: string }, held: number, now: Date): Promise<boolean> {
    return updateIf(this.#db, {
      TableName: this.#table,
      Key: repKey(repId),
      ConditionExpression: `openLeads = :seen AND ${seen.loadChangedAt ? 'loadChangedAt = :changed' : 'attribute_not_exists(loadChangedAt)'}`,
      ...stampRosterChange(
        {
          UpdateExpression: 'SET openLeads = :held, loadChangedAt = :now, loadRepairedAt = :now',
          ExpressionAttributeValues: { ':seen': seen.openLeads, ':held': held, ':now': now.toISOString(), ...(seen.loadChangedAt ? { ':changed': seen.loadChangedAt } : {}) },
        },
        repId,
      ),
    });
  }
}
