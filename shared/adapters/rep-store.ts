import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { EmailTaken, RepNotFound } from '../domain/errors.ts';
import { RepProfileSchema, type RepProfile, type Unreachable } from '../routing/eligibility.ts';
import { dynamoDocument } from './aws-clients.ts';
import { updateIf } from './conditional-update.ts';
import { queryAll } from './query-all.ts';
import { emailKey, repKey, rosterPrefix, teamRosterKey, teamRosterKeys, toRep } from './table-items.ts';

export { repKey } from './table-items.ts';

export type Rep = RepProfile;
/** A rep as an admin or the seed describes them; load and rotation state start fresh. */
export type NewRep = z.input<typeof RepProfileSchema>;

/** What a rep may change about themselves in the portal; everything else is the admin's. */
export type ProfileChanges = Pick<RepProfile, 'active' | 'products' | 'languages' | 'capacity' | 'timeZone'> &
  Partial<Pick<RepProfile, 'territory' | 'workingHours' | 'outOfOfficeUntil'>>;

/** Rep profiles, with the live load counters the router's transaction conditions on. */
export class RepStore {
  readonly #table: string;
  readonly #db: DynamoDBDocumentClient;

  constructor(tableName: string, db: DynamoDBDocumentClient = dynamoDocument) {
    this.#table = tableName;
    this.#db = db;
  }

  /**
   * Adds a rep with no open leads and a fresh place in the rotation; an existing rep is kept
   * as is (returns false), so re-running a seed or an import never resets anyone's load.
   */
  async add(input: NewRep): Promise<boolean> {
    const profile = RepProfileSchema.parse({ ...input, openLeads: 0 });
    const { dayKey: _d, dayCount: _dc, weekKey: _w, weekCount: _wc, virtualTime: _vt, unreachable: _u, ...fresh } = profile;
    const email = profile.email.toLowerCase();
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.#table,
                Item: { ...repKey(profile.id), type: 'rep', ...fresh, email, ...teamRosterKeys(profile.teamId, profile.id) },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName: this.#table, Item: { ...emailKey(email), type: 'rep-email', repId: profile.id }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [rep, address] = error.CancellationReasons ?? [];
      if (rep?.Code === 'ConditionalCheckFailed') return false;
      if (address?.Code === 'ConditionalCheckFailed') throw new Error(`${email} already belongs to another rep`, { cause: error });
      throw error;
    }
  }

  /**
   * Claims sending this rep a sign-in link: at most one per cool-down, so a form posted in a
   * loop cannot flood their inbox. False while an earlier link is recent.
   */
  async claimSignInLink(repId: string, now: Date, cooldownMs: number): Promise<boolean> {
    return updateIf(this.#db, {
      TableName: this.#table,
      Key: repKey(repId),
      UpdateExpression: 'SET signInLinkAt = :now',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(signInLinkAt) OR signInLinkAt < :since)',
      ExpressionAttributeValues: { ':now': now.toISOString(), ':since': new Date(now.getTime() - cooldownMs).toISOString() },
    });
  }

  /** The rep signed in with this address, if any (addresses are matched without regard to case). */
  async findByEmail(email: string): Promise<Rep | undefined> {
    const { Item } = await this.#db.send(new GetCommand({ TableName: this.#table, Key: emailKey(email), ConsistentRead: true }));
    return typeof Item?.repId === 'string' ? this.get(Item.repId) : undefined;
  }

  /**
   * The rep's own profile changes from the portal. Load counters and rotation state are not
   * touched, so an edit never races the router's offer transaction on them.
   */
  async updateProfile(repId: string, changes: ProfileChanges): Promise<Rep> {
    const sets: Record<string, unknown> = {
      active: changes.active,
      products: changes.products,
      languages: changes.languages,
      capacity: changes.capacity,
      timeZone: changes.timeZone,
    };
    const removes: string[] = [];
    for (const key of ['territory', 'workingHours', 'outOfOfficeUntil'] as const) {
      if (changes[key] === undefined) removes.push(`#${key}`);
      else sets[key] = changes[key];
    }
    const names = Object.fromEntries([...Object.keys(sets), 'territory', 'workingHours', 'outOfOfficeUntil'].map((key) => [`#${key}`, key]));
    try {
      const { Attributes } = await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: repKey(repId),
          ConditionExpression: 'attribute_exists(pk)',
          UpdateExpression: `SET ${Object.keys(sets).map((key) => `#${key} = :${key}`).join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: Object.fromEntries(Object.entries(sets).map(([key, value]) => [`:${key}`, value])),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRep(Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new RepNotFound(repId, { cause: error });
      throw error;
    }
  }

  /**
   * Marks the rep unreachable at `address`, once: only while that is still their address and
   * they are not marked already, so a redelivered or concurrent notification finds it done
   * (false). The mark also claims the manager's notice for the caller (`noticeClaimedAt`).
   */
  async markUnreachable(repId: string, address: string, mark: Omit<Unreachable, 'noticeClaimedAt' | 'noticedAt'>, now: Date): Promise<boolean> {
    return updateIf(this.#db, {
      TableName: this.#table,
      Key: repKey(repId),
      ConditionExpression: 'attribute_exists(pk) AND email = :address AND attribute_not_exists(unreachable)',
      UpdateExpression: 'SET unreachable = :mark',
      ExpressionAttributeValues: { ':address': address.toLowerCase(), ':mark': { ...mark, noticeClaimedAt: now.toISOString() } },
    });
  }

  /**
   * Claims telling the manager about the rep's mark when nobody has: the delivery that marked
   * the rep holds the claim, and another may take it over only once the lease has run out
   * without the notice going out (that delivery crashed), so the manager hears it once.
   */
  async claimUnreachableNotice(repId: string, now: Date, leaseMs: number): Promise<boolean> {
    return updateIf(this.#db, {
      TableName: this.#table,
      Key: repKey(repId),
      ConditionExpression: 'attribute_exists(unreachable) AND attribute_not_exists(unreachable.noticedAt) AND unreachable.noticeClaimedAt < :lapsed',
      UpdateExpression: 'SET unreachable.noticeClaimedAt = :now',
      ExpressionAttributeValues: { ':now': now.toISOString(), ':lapsed': new Date(now.getTime() - leaseMs).toISOString() },
    });
  }

  /** The manager has been told about this mark (a mark cleared meanwhile is left alone). */
  async markUnreachableNoticed(repId: string, since: string, now: Date): Promise<void> {
    await updateIf(this.#db, {
      TableName: this.#table,
      Key: repKey(repId),
      ConditionExpression: 'unreachable.since = :since',
      UpdateExpression: 'SET unreachable.noticedAt = :now',
      ExpressionAttributeValues: { ':since': since, ':now': now.toISOString() },
    });
  }

  /**
   * An admin imported the rep again: they are reachable, at `email` if that is a new address.
   * A new address moves the sign-in pointer in the same transaction, and fails with
   * `EmailTaken` if another rep has it. Undefined when the rep was not marked (nothing changed).
   */
  async markReachable(repId: string, email: string): Promise<{ readonly emailChanged: boolean } | undefined> {
    const rep = await this.get(repId);
    if (!rep?.unreachable) return undefined;
    const address = email.trim().toLowerCase();
    const emailChanged = address !== rep.email.toLowerCase();
    const clear = {
      TableName: this.#table,
      Key: repKey(repId),
      ConditionExpression: 'unreachable.since = :since AND email = :old',
      UpdateExpression: 'SET email = :new REMOVE unreachable',
      ExpressionAttributeValues: { ':since': rep.unreachable.since, ':old': rep.email, ':new': address },
    };
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: !emailChanged
            ? [{ Update: clear }]
            : [
                { Update: clear },
                { Delete: { TableName: this.#table, Key: emailKey(rep.email), ConditionExpression: 'repId = :rep', ExpressionAttributeValues: { ':rep': repId } } },
                { Put: { TableName: this.#table, Item: { ...emailKey(address), type: 'rep-email', repId }, ConditionExpression: 'attribute_not_exists(pk)' } },
              ],
        }),
      );
      return { emailChanged };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [profile, , pointer] = error.CancellationReasons ?? [];
      // Cleared (or re-marked) by a concurrent import of the same row: that one reports it.
      if (pointer?.Code === 'ConditionalCheckFailed' && (await this.findByEmail(address))?.id !== repId) throw new EmailTaken(address, { cause: error });
      if (profile?.Code === 'ConditionalCheckFailed' || pointer?.Code === 'ConditionalCheckFailed') return undefined;
      throw error;
    }
  }

  async get(repId: string): Promise<Rep | undefined> {
    const { Item } = await this.#db.send(new GetCommand({ TableName: this.#table, Key: repKey(repId), ConsistentRead: true }));
    return Item ? toRep(Item) : undefined;
  }

  /**
   * The team's roster from the index. Index reads can lag by a moment; that is fine because
   * the assignment transaction re-checks capacity and caps and rejects a stale choice.
   */
  async listTeam(teamId: string): Promise<Rep[]> {
    return queryAll(
      this.#db,
      {
        TableName: this.#table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :team AND begins_with(gsi1sk, :rep)',
        ExpressionAttributeValues: { ':team': teamRosterKey(teamId), ':rep': rosterPrefix },
      },
      toRep,
    );
  }
}
