import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  paginateQuery,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from '../zod.ts';
import { LeadStateConflict } from '../domain/errors.ts';
import type { LeadStatus } from '../domain/lead.ts';
import { isHeld } from '../domain/lifecycle.ts';
import { dynamoDocument } from './aws-clients.ts';
import { followUpRecords, type EffectRecord, type NewEffect, type Outbox } from './outbox.ts';
import { releaseCapacity } from './rep-capacity.ts';
import { contactItemKey, contactKeys, leadKey, leadPartition } from './table-items.ts';

/** What one erasure removed. Nothing at all (the lead never existed, or is long gone) is all zeros. */
export interface ErasureReport {
  readonly leadId: string;
  /** The lead item was there and is gone now; false when only leftovers of an interrupted erasure were found. */
  readonly leadErased: boolean;
  /** The status the lead had when it was erased. */
  readonly status?: string;
  readonly teamId?: string;
  /** The rep who held the lead and got their slot back in the same transaction. */
  readonly releasedRepId?: string;
  /** Duplicate-detection and idempotency items that pointed at the lead. */
  readonly intakeItemsErased: number;
  /** History events and effect records (any item under the lead's key but the lead). */
  readonly eventsErased: number;
}

/**
 * What `schema` reads of an attribute, or `fallback` for anything else: zod's catch, which in
 * zod/mini would bring all of zod's utilities (12 KB) into every bundle that erases a lead.
 */
function readOr<T>(schema: z.ZodMiniType<T>, fallback: T) {
  return z.pipe(
    z.unknown(),
    z.transform((value): T => {
      const read = schema.safeParse(value);
      return read.success ? read.data : fallback;
    }),
  );
}

/**
 * The intake items the lead lists (`intakeKeys`: those it was created with, and the keys of the
 * posts that joined it): `CONTACT#email:…` / `CONTACT#phone:…` (duplicate detection) and
 * `IDEMPOTENCY#<source>#<key>`, each carrying a `leadId`. Anything unreadable is skipped:
 * erasure must not fail on an attribute it does not own.
 */
const IntakeKeysSchema = readOr(z.array(z.object({ pk: z.string().check(z.minLength(1)), sk: z.string().check(z.minLength(1)) })), []);

/** The person's address and number: their contact pointers are found by these too, listed or not. */
const ContactSchema = readOr(z.looseObject({ email: z.optional(z.string().check(z.minLength(1))), phone: z.optional(z.string().check(z.minLength(1))) }), {});

const LeadItemSchema = z.object({
  status: z.optional(z.string()),
  attempt: z.optional(z.number()),
  ownerId: z.optional(z.string()),
  teamId: z.optional(z.string()),
  intakeKeys: z.optional(IntakeKeysSchema),
  contact: z.optional(ContactSchema),
});

/** The slot an erasure gave back: whose it was, and the team of the lead that held it. */
export interface ReleasedSlot {
  readonly repId: string;
  readonly teamId?: string;
}

export interface ErasureOptions {
  /** When the owner's load changed, for the sweeper's recount. */
  readonly at?: Date;
  /**
   * What must follow giving a slot back (the team queue offered it), recorded under the rep in
   * the erasure's own transaction: nothing is recorded when no slot was given back.
   */
  readonly whenReleased?: (slot: ReleasedSlot) => readonly NewEffect[];
}

export interface LeadEraserOptions {
  /** Records (and, where this function can, performs) what `whenReleased` asks for. */
  readonly outbox?: Outbox;
  readonly db?: DynamoDBDocumentClient;
}

/** Conflicts mean the lead moved (offer, accept, pass) between the read and the write; re-reading settles it. */
const MAX_TRIES = 5;
/** TransactWriteItems takes at most 100 items: the lead, the rep, the intake items, and what follows the freed slot (a drain). */
const MAX_INTAKE_IN_TRANSACTION = 97;
/** BatchWriteItem takes at most 25 requests. */
const BATCH_SIZE = 25;
/** Batches in flight at once while a long history is deleted. */
const PARALLEL_BATCHES = 4;
const MAX_UNPROCESSED_RETRIES = 8;

/**
 * Erases a lead for a privacy request: the lead item (and with it its places in the team queue,
 * the owner's index and the due index, which are attributes of that item), the intake items
 * that still point at it, and everything under its key: its history and its effect records
 * (with their due-index entries). The lead item goes first, in one transaction with releasing
 * the owner's capacity and deleting the intake items, conditioned on the state it was read in;
 * the rest follows in batches, since it can outgrow a transaction.
 *
 * The order is what makes it safe to repeat and to race. Once the lead item is gone nothing new
 * is written under its key (every such write is conditioned on the lead), and no post joins it:
 * a post of the same person finds no pointer (deleted with the lead) or a lead that is gone, and
 * starts a new lead its pointers name. A run that stops half way is finished by the next: the
 * leftovers are found by the lead's key alone.
 *
 * What must follow a slot given back is recorded under the rep, not the lead: everything under
 * the lead's key is about to go.
 */
export class LeadEraser {
  readonly #table: string;
  readonly #db: DynamoDBDocumentClient;
  readonly #outbox: Outbox | undefined;

  constructor(tableName: string, options: LeadEraserOptions | DynamoDBDocumentClient = {}) {
    const resolved: LeadEraserOptions = 'send' in options ? { db: options } : options;
    this.#table = tableName;
    this.#db = resolved.db ?? dynamoDocument;
    this.#outbox = resolved.outbox;
  }

  async erase(leadId: string, { at = new Date(), whenReleased }: ErasureOptions = {}): Promise<ErasureReport> {
    const erased = await this.#eraseLeadItem(leadId, at, whenReleased);
    // Performed once the lead item is gone; the relay has it should this fail.
    if (erased) await this.#outbox?.performClaimed(erased.claimed);
    const lead = erased?.report;
    // After the lead item is gone no new event can be written (every event is written in a
    // transaction with a conditional update of the lead item), so this read sees the last one.
    const eventsErased = await this.#eraseHistory(leadId);
    return { leadId, ...(lead ?? { leadErased: false, intakeItemsErased: 0 }), eventsErased };
  }

  async #eraseLeadItem(
    leadId: string,
    at: Date,
    whenReleased: ErasureOptions['whenReleased'],
  ): Promise<{ readonly report: Omit<ErasureReport, 'leadId' | 'eventsErased'>; readonly claimed: readonly EffectRecord[] } | undefined> {
    // A rep whose counter cannot go down (deleted rep, or already at zero) is not released,
    // rather than blocking the erasure forever.
    let cannotRelease: string | undefined;
    for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
      if (attempt > 0) await sleep(10 * attempt * (1 + Math.random()));
      const { Item } = await this.#db.send(new GetCommand({ TableName: this.#table, Key: leadKey(leadId), ConsistentRead: true }));
      if (!Item) return undefined;
      const lead = LeadItemSchema.parse(Item);
      const intake = await this.#intakeItemsOf(leadId, [...(lead.intakeKeys ?? []), ...contactKeys(lead.contact ?? {}).map(contactItemKey)]);
      const held = lead.status !== undefined && isHeld(lead.status as LeadStatus);
      const owner = held && lead.ownerId !== cannotRelease ? lead.ownerId : undefined;

      // Conditioned on exactly the state read: status, attempt and owner together say who holds it.
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      const conditions = (['status', 'attempt', 'ownerId'] as const).map((field) => {
        names[`#${field}`] = field;
        if (lead[field] === undefined) return `attribute_not_exists(#${field})`;
        values[`:${field}`] = lead[field];
        return `#${field} = :${field}`;
      });
      // A resubmission appends its idempotency key meanwhile: read again so that item goes too.
      names['#intakeKeys'] = 'intakeKeys';
      if (Array.isArray(Item.intakeKeys)) {
        conditions.push('size(#intakeKeys) = :intakeCount');
        values[':intakeCount'] = Item.intakeKeys.length;
      } else conditions.push('attribute_not_exists(#intakeKeys)');
      const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
        {
          Delete: {
            TableName: this.#table,
            Key: leadKey(leadId),
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: names,
            ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
          },
        },
        ...(owner ? [releaseCapacity(this.#table, owner, { aboveZero: true, at: at.toISOString() })] : []),
        ...intake.map((key) => ({
          Delete: { TableName: this.#table, Key: key, ConditionExpression: 'leadId = :lead', ExpressionAttributeValues: { ':lead': leadId } },
        })),
      ];
      // Only with the release itself: no slot given back, nothing to follow.
      const effects = owner && whenReleased ? whenReleased({ repId: owner, ...(lead.teamId ? { teamId: lead.teamId } : {}) }) : [];
      const recorded = owner ? followUpRecords(this.#outbox, `erasing lead ${leadId}`, { repId: owner }, effects, at) : { items: [], claimed: [] };
      for (const Item of recorded.items) items.push({ Put: { TableName: this.#table, Item } });
      try {
        await this.#db.send(new TransactWriteCommand({ TransactItems: items }));
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        // Only the rep's condition failed: no slot to give back; erase without releasing.
        const failed = (error.CancellationReasons ?? []).flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []));
        if (owner !== undefined && failed.length === 1 && failed[0] === 1) cannotRelease = owner;
        // Otherwise the lead or an intake item changed, or another transaction held one of
        // them (TransactionConflict): read again and retry.
        continue;
      }
      return {
        report: {
          leadErased: true,
          ...(lead.status ? { status: lead.status } : {}),
          ...(lead.teamId ? { teamId: lead.teamId } : {}),
          ...(owner ? { releasedRepId: owner } : {}),
          intakeItemsErased: intake.length,
        },
        claimed: recorded.claimed,
      };
    }
    throw new LeadStateConflict(`lead ${leadId} kept changing while being erased; try again`);
  }

  /**
   * The intake items that still point at this lead, read consistently. One that a newer lead has
   * taken over (same address, later) is that lead's and stays. Beyond what a transaction holds,
   * the rest are deleted one by one first, each still conditioned on pointing at this lead.
   */
  async #intakeItemsOf(leadId: string, keys: readonly { pk: string; sk: string }[]): Promise<{ pk: string; sk: string }[]> {
    const unique = [...new Map(keys.map((key) => [`${key.pk}\u0000${key.sk}`, { pk: key.pk, sk: key.sk }])).values()];
    const found = await Promise.all(
      unique.map(async (key) => {
        const { Item } = await this.#db.send(
          new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true, ProjectionExpression: 'leadId' }),
        );
        return Item?.leadId === leadId ? key : undefined;
      }),
    );
    const ours = found.filter((key) => key !== undefined);
    for (const key of ours.slice(MAX_INTAKE_IN_TRANSACTION)) {
      try {
        await this.#db.send(
          new DeleteCommand({ TableName: this.#table, Key: key, ConditionExpression: 'leadId = :lead', ExpressionAttributeValues: { ':lead': leadId } }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return ours.slice(0, MAX_INTAKE_IN_TRANSACTION);
  }

  /** Deletes every remaining item under the lead's key (its events and effects), page by page. */
  async #eraseHistory(leadId: string): Promise<number> {
    let erased = 0;
    const pages = paginateQuery(
      { client: this.#db },
      {
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': leadPartition(leadId) },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      // The lead item itself only ever goes through the conditional transaction above.
      const keys = (page.Items ?? []).filter((item) => item.sk !== leadKey(leadId).sk).map((item) => ({ pk: item.pk, sk: item.sk }));
      const batches = chunk(keys, BATCH_SIZE);
      for (const group of chunk(batches, PARALLEL_BATCHES)) await Promise.all(group.map((batch) => this.#deleteBatch(batch)));
      erased += keys.length;
    }
    return erased;
  }

  /** One BatchWriteItem, resending what DynamoDB left unprocessed (throttling) with backoff. */
  async #deleteBatch(keys: readonly Record<string, unknown>[]): Promise<void> {
    let requests = keys.map((Key) => ({ DeleteRequest: { Key } }));
    for (let retry = 0; requests.length > 0; retry++) {
      if (retry > MAX_UNPROCESSED_RETRIES) throw new Error(`${requests.length} history items stayed unprocessed; erase again to finish`);
      if (retry > 0) await sleep(Math.min(50 * 2 ** retry, 2_000) * (0.5 + Math.random() / 2));
      const { UnprocessedItems } = await this.#db.send(new BatchWriteCommand({ RequestItems: { [this.#table]: requests } }));
      requests = (UnprocessedItems?.[this.#table] ?? []).flatMap((request) =>
        request.DeleteRequest?.Key ? [{ DeleteRequest: { Key: request.DeleteRequest.Key } }] : [],
      );
    }
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
