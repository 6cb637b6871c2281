import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  paginateScan,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { LeadNotFound, LeadStateConflict } from '../domain/errors.ts';
import { LeadStatus, type Lead, type LeadContact } from '../domain/lead.ts';
import type { FieldFlag } from '../domain/lead-quality.ts';
import { SourceSchema, type Source } from '../ingest/source-config.ts';
import type { Outbox } from './outbox.ts';
import { resolveStoreOptions, type StoreOptions } from './store-options.ts';
import { contactItemKey, contactKeys, contactOf, dueIndexKeys, eventItem, expiryWithin, flaggedFields, idempotencyItemKey, leadKey, newLeadItems, sourceItemKey, storedFields } from './table-items.ts';

export { contactKeys } from './table-items.ts';

/**
 * What the webhook keeps besides leads: which email or phone belongs to which recent lead
 * (duplicate detection), which idempotency key made which lead, and the sources and source secrets an admin added after deployment. Every record that decides
 * "first or not" is written in the same transaction as the lead it points at.
 */

export type IntakeStatus = 'received' | 'joined';

/** The answer an idempotency key was given the first time. */
export interface IdempotencyRecord {
  /** As answered: for a public post that joined a lead, the fresh id it was given, not the lead's. */
  readonly leadId: string;
  readonly status: IntakeStatus;
  readonly bodyHash: string;
}

export interface IdempotencyClaim {
  readonly sourceId: string;
  readonly key: string;
  readonly bodyHash: string;
}

export interface ContactPointer {
  readonly key: string;
  readonly leadId: string;
}

export interface NewLeadIntake {
  /** TTL of the lead and of everything that belongs to it (epoch seconds); its pointers and idempotency record expire by then at the latest. */
  readonly expiresAt: number;
  readonly idempotency?: IdempotencyClaim;
  /** Until when (epoch ms) the same email or phone joins this lead; absent turns it off. */
  readonly dedupeUntil?: number;
  /** Contact keys whose pointer may be taken over although still live: it pointed at a closed or erased lead. */
  readonly stale?: readonly ContactPointer[];
  readonly idempotencyUntil: number;
  readonly now: Date;
}

export type CreateOutcome = { readonly created: true } | { readonly created: false; readonly conflict: 'idempotency' | 'contact' };

export interface Resubmission {
  readonly at: Date;
  readonly sourceId: string;
  /** The new submission's contact fields, kept in the lead's history. */
  readonly contact: LeadContact;
  readonly fields: Readonly<Record<string, string>>;
  /**
   * The new submission's malformed fields, kept as sent: in the history only. They are never in
   * `contact`, so they can never overwrite a good stored value.
   */
  readonly quality?: readonly FieldFlag[];
  /**
   * An authenticated sender's: contact fields the lead lacks are filled in from this one. A public
   * post's values only enter the history, until the lead's rep chooses to use them.
   */
  readonly fillContact: boolean;
  /** The id the sender was answered with instead of the lead's (a public post): its idempotency record keeps it. */
  readonly answeredAs?: string;
  readonly idempotency?: IdempotencyClaim;
  readonly idempotencyUntil: number;
  /**
   * The TTL of the lead it joins, as the caller read it (epoch seconds; a lead's TTL never
   * changes once stored): what the resubmission adds (its history events, its routing, its
   * idempotency record) expires with the lead.
   */
  readonly expiresAt: number;
  /**
   * A nurtured lead whose resubmission scores hot or warm: back to routing, for sales this time,
   * in the same transaction (the lifecycle's `reopen`).
   */
  readonly reopen?: { readonly tier: string; readonly score: number };
}


/** `outbox` records each lead's routing with the write that stores it; a lead waits `sweepGraceMs` for routing before the sweeper sends it again. */
export type IntakeStoreOptions = StoreOptions;

export class IntakeStore {
  readonly #table: string;
  readonly #db: DynamoDBDocumentClient;
  readonly #outbox: Outbox | undefined;
  readonly #graceMs: number;

  constructor(tableName: string, options: IntakeStoreOptions | DynamoDBDocumentClient = {}) {
    const { db, outbox, graceMs } = resolveStoreOptions(options);
    this.#table = tableName;
    this.#db = db;
    this.#outbox = outbox;
    this.#graceMs = graceMs;
  }

  /** The outbox records of a message to routing about this lead, and those to perform at once. */
  #routing(leadId: string, message: { leadId: string; resubmittedAt?: string }, now: Date, expiresAt: number | undefined) {
    if (!this.#outbox) throw new Error('the intake store needs an outbox to record routing');
    return this.#outbox.records({ leadId }, [{ purpose: 'route', action: { kind: 'message', message } }], now, expiresAt);
  }

  /** The first answer given to this key, while it is remembered. */
  async priorResponse(sourceId: string, key: string, now: Date): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: idempotencyItemKey(sourceId, key), ConsistentRead: true }),
    );
    if (!Item || (Item.until as number) <= now.getTime()) return undefined;
    // `leadId` is the lead the key belongs to (erasing the lead erases the key by it); the answer may have named another id.
    return { leadId: (Item.answeredAs ?? Item.leadId) as string, status: Item.status as IntakeStatus, bodyHash: Item.bodyHash as string };
  }

  /** The leads the given email or phone still point at (the duplicate window is open). */
  async liveContacts(keys: readonly string[], now: Date): Promise<ContactPointer[]> {
    if (keys.length === 0) return [];
    const { Responses } = await this.#db.send(
      new BatchGetCommand({ RequestItems: { [this.#table]: { Keys: keys.map(contactItemKey), ConsistentRead: true } } }),
    );
    return (Responses?.[this.#table] ?? [])
      .filter((item) => (item.until as number) > now.getTime())
      .map((item) => ({ key: contactOf(item), leadId: item.leadId as string }));
  }

  /**
   * Creates the lead in ONE transaction with its idempotency record and its contact pointers.
   * A concurrent post with the same key, email or phone makes this fail, naming which, so the
   * caller answers as the winner did or joins the winner's lead: never a second lead.
   */
  async create(lead: Lead, intake: NewLeadIntake): Promise<CreateOutcome> {
    const now = intake.now.getTime();
    const pointers = intake.dedupeUntil === undefined ? [] : contactKeys(lead.contact);
    const intakeKeys = [
      ...(intake.idempotency ? [idempotencyItemKey(intake.idempotency.sourceId, intake.idempotency.key)] : []),
      ...pointers.map(contactItemKey),
    ];
    const stale = new Map((intake.stale ?? []).map((pointer) => [pointer.key, pointer.leadId]));
    // Waiting for routing: due for the sweeper a minute from now, should its routing be lost.
    const due = dueIndexKeys({ leadId: lead.id }, new Date(now + this.#graceMs).toISOString());
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = newLeadItems(
      this.#table,
      { ...lead, ...(intakeKeys.length ? { intakeKeys } : {}), ...due },
      intake.expiresAt,
    );
    const routing = this.#routing(lead.id, { leadId: lead.id }, intake.now, intake.expiresAt);
    const idempotencyIndex = items.length;
    if (intake.idempotency) items.push(this.#idempotencyPut(intake.idempotency, lead.id, { status: 'received' }, intake.idempotencyUntil, now, intake.expiresAt));
    const firstContactIndex = items.length;
    for (const key of pointers) {
      const staleLead = stale.get(key);
      items.push({
        Put: {
          TableName: this.#table,
          Item: { ...contactItemKey(key), type: 'contact', leadId: lead.id, until: intake.dedupeUntil, ...expiryWithin(intake.expiresAt, intake.dedupeUntil) },
          ConditionExpression: `attribute_not_exists(pk) OR #until <= :now${staleLead ? ' OR leadId = :stale' : ''}`,
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':now': now, ...(staleLead ? { ':stale': staleLead } : {}) },
        },
      });
    }
    for (const item of routing.items) items.push({ Put: { TableName: this.#table, Item: item } });
    try {
      await this.#db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const failed = (error.CancellationReasons ?? []).map((reason) => reason.Code === 'ConditionalCheckFailed');
      if (intake.idempotency && failed[idempotencyIndex]) return { created: false, conflict: 'idempotency' };
      if (failed.slice(firstContactIndex).some(Boolean)) return { created: false, conflict: 'contact' };
      throw error;
    }
    // Stored, and its routing with it: sending it now is only the fast path.
    await this.#outbox!.performClaimed(routing.claimed);
    return { created: true };
  }

  /**
   * The same person got in touch again: ONE transaction records it in the lead's history, fills
   * in contact fields the lead lacked (authenticated senders only), counts it, and writes the
   * idempotency record with the answer given. A lead that was closed or erased meanwhile gives
   * `LeadStateConflict` / `LeadNotFound`.
   */
  async join(leadId: string, resubmission: Resubmission): Promise<{ resubmissions: number }> {
    const at = resubmission.at.toISOString();
    const { expiresAt } = resubmission;
    const names: Record<string, string> = { '#status': 'status', '#resubmissions': 'resubmissions' };
    const values: Record<string, unknown> = { ':closed': LeadStatus.closed, ':one': 1, ':zero': 0 };
    const sets = ['#resubmissions = if_not_exists(#resubmissions, :zero) + :one'];
    const { reopen } = resubmission;
    if (reopen) {
      const due = dueIndexKeys({ leadId }, new Date(resubmission.at.getTime() + this.#graceMs).toISOString());
      delete values[':closed'];
      Object.assign(values, { ':nurture': LeadStatus.nurture, ':received': LeadStatus.received, ':tier': reopen.tier, ':score': reopen.score, ':g3': due.gsi3pk, ':g3s': due.gsi3sk });
      sets.push('#status = :received', 'tier = :tier', 'score = :score', 'gsi3pk = :g3', 'gsi3sk = :g3s');
    }
    if (resubmission.idempotency) {
      // Erasing the lead erases this key with it.
      names['#intakeKeys'] = 'intakeKeys';
      values[':noKeys'] = [];
      values[':newKeys'] = [idempotencyItemKey(resubmission.idempotency.sourceId, resubmission.idempotency.key)];
      sets.push('#intakeKeys = list_append(if_not_exists(#intakeKeys, :noKeys), :newKeys)');
    }
    for (const [field, value] of Object.entries(resubmission.fillContact ? resubmission.contact : {})) {
      if (value === undefined) continue;
      names['#contact'] = 'contact';
      names[`#c_${field}`] = field;
      values[`:c_${field}`] = value;
      sets.push(`#contact.#c_${field} = if_not_exists(#contact.#c_${field}, :c_${field})`);
    }
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Update: {
          TableName: this.#table,
          Key: leadKey(leadId),
          ConditionExpression: reopen ? 'attribute_exists(pk) AND #status = :nurture' : 'attribute_exists(pk) AND #status <> :closed',
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      {
        Put: {
          TableName: this.#table,
          Item: eventItem(
            leadId,
            {
              at,
              kind: 'resubmitted',
              actor: 'webhook',
              detail: {
                source: resubmission.sourceId,
                contact: resubmission.contact,
                fields: storedFields(resubmission.fields),
                ...(resubmission.quality?.length ? { flagged: flaggedFields(resubmission.quality), quality: resubmission.quality } : {}),
                ...(resubmission.answeredAs ? { answeredAs: resubmission.answeredAs } : {}),
              },
            },
            expiresAt,
          ),
        },
      },
    ];
    if (resubmission.idempotency) {
      const answer = resubmission.answeredAs ? { status: 'received' as const, answeredAs: resubmission.answeredAs } : { status: 'joined' as const };
      items.push(this.#idempotencyPut(resubmission.idempotency, leadId, answer, resubmission.idempotencyUntil, resubmission.at.getTime(), expiresAt));
    }
    if (reopen) {
      items.push({
        Put: {
          TableName: this.#table,
          Item: eventItem(
            leadId,
            { at: new Date(resubmission.at.getTime() + 1).toISOString(), kind: 'reopened', actor: 'webhook', from: LeadStatus.nurture, to: LeadStatus.received, detail: reopen },
            expiresAt,
          ),
        },
      });
    }
    // The router reads the lead fresh: it routes one still waiting, or tells the owner of a held one.
    const routing = this.#routing(leadId, reopen ? { leadId } : { leadId, resubmittedAt: at }, resubmission.at, expiresAt);
    for (const item of routing.items) items.push({ Put: { TableName: this.#table, Item: item } });
    try {
      await this.#db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [lead, , idempotency] = (error.CancellationReasons ?? []).map((reason) => reason.Code === 'ConditionalCheckFailed');
      if (idempotency) throw new IdempotencyConflict();
      if (lead) {
        const { Item } = await this.#db.send(new GetCommand({ TableName: this.#table, Key: leadKey(leadId), ConsistentRead: true }));
        if (!Item) throw new LeadNotFound(leadId, { cause: error });
        throw new LeadStateConflict(`lead ${leadId} is closed`, { cause: error });
      }
      throw error;
    }
    await this.#outbox!.performClaimed(routing.claimed);
    const { Item } = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: leadKey(leadId), ProjectionExpression: 'resubmissions' }),
    );
    return { resubmissions: (Item?.resubmissions as number | undefined) ?? 1 };
  }

  /** A source the admin added after deployment, and the secret set for any source. */
  async storedSource(sourceId: string): Promise<{ source?: Source; secret?: string } | undefined> {
    const { Item } = await this.#db.send(new GetCommand({ TableName: this.#table, Key: sourceItemKey(sourceId), ConsistentRead: true }));
    if (!Item) return undefined;
    const parsed = Item.definition === undefined ? undefined : SourceSchema.safeParse(Item.definition);
    return { ...(parsed?.success ? { source: parsed.data } : {}), ...(typeof Item.secret === 'string' ? { secret: Item.secret } : {}) };
  }

  /** Adds a source; false when one of that id exists. */
  async addSource(source: Source, at: Date): Promise<boolean> {
    try {
      await this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...sourceItemKey(source.id), type: 'source', definition: source, addedAt: at.toISOString() },
          // DEFINITION is a reserved word in DynamoDB expressions.
          ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(#definition)',
          ExpressionAttributeNames: { '#definition': 'definition' },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Sets the secret a sender dictates (HubSpot's client secret, a Webflow webhook key). */
  async setSourceSecret(sourceId: string, secret: string, at: Date): Promise<void> {
    await this.#db.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: sourceItemKey(sourceId),
        UpdateExpression: 'SET #type = :type, secret = :secret, secretSetAt = :at',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':type': 'source', ':secret': secret, ':at': at.toISOString() },
      }),
    );
  }

  /** Sources added by the admin (a handful; a filtered scan is fine at that size). */
  async addedSources(): Promise<Source[]> {
    const sources: Source[] = [];
    const pages = paginateScan(
      { client: this.#db },
      {
        TableName: this.#table,
        FilterExpression: '#type = :source AND attribute_exists(#definition)',
        ExpressionAttributeNames: { '#type': 'type', '#definition': 'definition' },
        ExpressionAttributeValues: { ':source': 'source' },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const parsed = SourceSchema.safeParse(item.definition);
        if (parsed.success) sources.push(parsed.data);
      }
    }
    return sources;
  }

  /** The record of the first answer to a key, kept for `until` (epoch ms) and never past its lead's TTL. */
  #idempotencyPut(claim: IdempotencyClaim, leadId: string, answer: { status: IntakeStatus; answeredAs?: string }, until: number, now: number, leadExpiresAt: number | undefined) {
    return {
      Put: {
        TableName: this.#table,
        Item: {
          ...idempotencyItemKey(claim.sourceId, claim.key),
          type: 'idempotency',
          leadId,
          ...answer,
          bodyHash: claim.bodyHash,
          until,
          ...expiryWithin(leadExpiresAt, until),
        },
        ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now',
        ExpressionAttributeNames: { '#until': 'until' },
        ExpressionAttributeValues: { ':now': now },
      },
    };
  }
}

/** Another post with the same idempotency key won the race; answer as it was answered. */
export class IdempotencyConflict extends Error {
  override name = 'IdempotencyConflict';
}
