import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { EmailTaken, RepNotFound, TemporarilyUnavailable } from '../domain/errors.ts';
import type { RepProfile } from '../routing/eligibility.ts';
import { transactWithRetries } from './conditional-update.ts';
import { followUpRecords, type NewEffect, type Outbox } from './outbox.ts';
import { emailKey, repKey, stampRosterChange, teamRosterKey, teamRosterKeys, toRep } from './table-items.ts';

/**
 * The admin's writes to a rep's account, each one conditional write (RepStore exposes them):
 * ending every session (an atomic ADD on the session version), switching the rep off and on,
 * and changing who the rep is and what they may take. Load counters and rotation state are never
 * touched, so none of these races the router's offer transaction on them. A write that must be
 * followed by something (the team queue offered again) records it with itself (`updateRepWith`).
 */

/** Where a rep's account writes go: the table, its client, and the outbox their effects are recorded in. */
export interface RepWrites {
  readonly db: DynamoDBDocumentClient;
  readonly table: string;
  readonly outbox: Outbox | undefined;
}

/** One update of the rep's item: its condition and what it changes. */
export interface RepUpdate {
  readonly ConditionExpression: string;
  readonly UpdateExpression: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

/**
 * The rep's conditional update with the records of the effects that must follow it (see
 * outbox.ts), as one transaction: both or neither, so nothing is sent for a change that did not
 * happen and nothing a change needs is lost if this function dies after it. Without effects it is
 * a single update. A failed condition throws as DynamoDB reports it (`conditionFailed` tells);
 * the effects this function can perform are performed once it committed. The change is stamped
 * in the roster change index, for routers holding the rep's team.
 */
export async function updateRepWith({ db, table, outbox }: RepWrites, repId: string, update: RepUpdate, effects: readonly NewEffect[], at: Date): Promise<void> {
  const item = { TableName: table, Key: repKey(repId), ...stampRosterChange(update, repId) };
  if (effects.length === 0) {
    await db.send(new UpdateCommand(item));
    return;
  }
  const recorded = followUpRecords(outbox, `a write of rep ${repId}`, { repId }, effects, at);
  const transaction = new TransactWriteCommand({ TransactItems: [{ Update: item }, ...recorded.items.map((Item) => ({ Put: { TableName: table, Item } }))] });
  // Another write of the same rep at that instant cancels the transaction: it is tried again.
  await transactWithRetries(db, transaction);
  await outbox?.performClaimed(recorded.claimed);
}

/** `updateRepWith`, answering whether the update's condition held: false, and nothing written or recorded, when it did not. */
export async function updateRepIf(writes: RepWrites, repId: string, update: RepUpdate, effects: readonly NewEffect[], at: Date): Promise<boolean> {
  try {
    await updateRepWith(writes, repId, update, effects, at);
    return true;
  } catch (error) {
    if (conditionFailed(error)) return false;
    throw error;
  }
}

/** The update's condition did not hold: alone, or as the first item of its transaction (the effects' puts have none). */
export const conditionFailed = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed');

/** A switch-on is read and written again this often when the rep moves team in between. */
const SWITCH_TRIES = 3;

/** What an admin changes about an existing rep; absent fields stay as they are. */
export interface AdminRepChanges {
  readonly name?: string;
  readonly email?: string;
  readonly teamId?: string;
  readonly capacity?: number;
  readonly maxCapacity?: number;
}

/** The rep changed between the admin's read and write (a profile save, another admin): read again. */
export class RepChangedMeanwhile extends Error {
  override name = 'RepChangedMeanwhile';
}

export interface Switched {
  /** False when the rep was in that state already (nothing was written). */
  readonly changed: boolean;
  readonly rep: RepProfile;
}

const notDisabled = '(attribute_not_exists(disabled) OR disabled = :false)';

async function readRep(db: DynamoDBDocumentClient, table: string, repId: string): Promise<RepProfile> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: repKey(repId), ConsistentRead: true }));
  if (!Item) throw new RepNotFound(repId);
  return toRep(Item);
}

/** One update of the rep's item, stamped in the roster change index; the rep as it left them. */
async function updateRep(db: DynamoDBDocumentClient, table: string, repId: string, update: Omit<UpdateCommandInput, 'TableName' | 'Key' | 'ReturnValues'> & { UpdateExpression: string }) {
  const { Attributes } = await db.send(new UpdateCommand({ TableName: table, Key: repKey(repId), ReturnValues: 'ALL_NEW', ...stampRosterChange(update, repId) }));
  return toRep(Attributes ?? {});
}

/** Every session and sign-in link of the rep issued so far stops working; the new version. */
export async function endSessions(db: DynamoDBDocumentClient, table: string, repId: string): Promise<number> {
  try {
    const rep = await updateRep(db, table, repId, {
      ConditionExpression: 'attribute_exists(pk)',
      UpdateExpression: 'ADD sessionVersion :one',
      ExpressionAttributeValues: { ':one': 1 },
    });
    return rep.sessionVersion ?? 0;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new RepNotFound(repId, { cause: error });
    throw error;
  }
}

/**
 * Switches the rep off and ends their sessions in the same write, once: a rep who is off already
 * is left as is (`changed` false), so a repeated command bumps nothing.
 */
export async function switchOff(db: DynamoDBDocumentClient, table: string, repId: string): Promise<Switched> {
  try {
    const rep = await updateRep(db, table, repId, {
      ConditionExpression: `attribute_exists(pk) AND ${notDisabled}`,
      UpdateExpression: 'SET disabled = :true ADD sessionVersion :one',
      ExpressionAttributeValues: { ':true': true, ':false': false, ':one': 1 },
    });
    return { changed: true, rep };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { changed: false, rep: await readRep(db, table, repId) };
  }
}

/**
 * Switches the rep on again, with what must follow (`followUps` of the rep as read: their team's
 * queue offered again) in the same transaction; sessions ended by the switch-off stay ended. The
 * write holds only while the rep is off and in the team read, so what follows is about the team
 * they are back in; a rep moved meanwhile is read again. The rep returned is the one read, on.
 */
export async function switchOn(writes: RepWrites, repId: string, followUps: (rep: RepProfile) => readonly NewEffect[], at: Date): Promise<Switched> {
  for (let tries = 1; ; tries++) {
    const rep = await readRep(writes.db, writes.table, repId);
    if (rep.disabled !== true) return { changed: false, rep };
    try {
      await updateRepWith(
        writes,
        repId,
        { ConditionExpression: 'disabled = :true AND teamId = :team', UpdateExpression: 'REMOVE disabled', ExpressionAttributeValues: { ':true': true, ':team': rep.teamId } },
        followUps(rep),
        at,
      );
      const { disabled: _off, ...on } = rep;
      return { changed: true, rep: on };
    } catch (error) {
      if (!conditionFailed(error)) throw error;
      if (tries >= SWITCH_TRIES) throw new TemporarilyUnavailable(`rep ${repId} keeps changing; try again`, { cause: error });
    }
  }
}

/**
 * Writes an admin's changes to the rep as read (`read`): only while the fields they replace, and
 * the capacity and maximum they were checked against, are still as read (else
 * `RepChangedMeanwhile`). A new address moves the sign-in pointer in the same transaction
 * (`EmailTaken` when another rep has it) and clears a bounce mark, which was about the old
 * address; a new team moves the rep to that team's roster. What must follow the change
 * (`effects`: the queue of the team the rep ends up in offered again) is recorded in the same
 * write, which then also holds only while the rep is switched on or off and in the team as read,
 * since what follows was decided on that.
 */
export async function changeByAdmin(writes: RepWrites, read: RepProfile, changes: AdminRepChanges, effects: readonly NewEffect[] = [], at: Date = new Date()): Promise<RepProfile> {
  const { db, table, outbox } = writes;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  const conditions = ['attribute_exists(pk)'];
  const set = (field: string, value: unknown) => {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  };
  // Each replaced field, and the capacity pair a new capacity or maximum was checked against, as read.
  const asRead = (field: keyof RepProfile) => {
    names[`#${field}`] = field;
    const value = read[field];
    if (value === undefined) conditions.push(`attribute_not_exists(#${field})`);
    else {
      values[`:read_${field}`] = value;
      conditions.push(`#${field} = :read_${field}`);
    }
  };
  if (changes.name !== undefined) set('name', changes.name);
  const emailChanged = changes.email !== undefined && changes.email !== read.email.toLowerCase();
  if (emailChanged) {
    asRead('email');
    set('email', changes.email);
    names['#unreachable'] = 'unreachable';
    removes.push('#unreachable');
  }
  const teamChanged = changes.teamId !== undefined && changes.teamId !== read.teamId;
  if (teamChanged) {
    asRead('teamId');
    set('teamId', changes.teamId);
    const roster = teamRosterKeys(changes.teamId!, read.id);
    set('gsi1pk', roster.gsi1pk);
    set('gsi1sk', roster.gsi1sk);
    // Its changes from now on go to the new team's change index; the stamp (below) dates the move.
    set('gsi4pk', teamRosterKey(changes.teamId!));
  }
  if (changes.capacity !== undefined || changes.maxCapacity !== undefined) {
    asRead('capacity');
    asRead('maxCapacity');
    if (changes.capacity !== undefined) set('capacity', changes.capacity);
    if (changes.maxCapacity !== undefined) set('maxCapacity', changes.maxCapacity);
  }
  if (sets.length === 0) return read;
  if (effects.length > 0) {
    if (read.disabled === true) {
      values[':true'] = true;
      conditions.push('disabled = :true');
    } else {
      values[':false'] = false;
      conditions.push(notDisabled);
    }
    if (!teamChanged) asRead('teamId');
  }
  const change: RepUpdate = {
    ConditionExpression: conditions.join(' AND '),
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
  // Stamped in the roster change index here, or by updateRepWith on the path through it.
  const update = { TableName: table, Key: repKey(read.id), ...stampRosterChange(change, read.id) };
  try {
    if (!emailChanged && effects.length === 0) {
      const { Attributes } = await db.send(new UpdateCommand({ ...update, ReturnValues: 'ALL_NEW' }));
      return toRep(Attributes ?? {});
    }
    if (!emailChanged) {
      // A transaction returns no values: the changed rep is read back (consistently).
      await updateRepWith(writes, read.id, change, effects, at);
      return await readRep(db, table, read.id);
    }
    const recorded = followUpRecords(outbox, `an admin's change of rep ${read.id}`, { repId: read.id }, effects, at);
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: update },
          { Delete: { TableName: table, Key: emailKey(read.email), ConditionExpression: 'repId = :rep', ExpressionAttributeValues: { ':rep': read.id } } },
          { Put: { TableName: table, Item: { ...emailKey(changes.email!), type: 'rep-email', repId: read.id }, ConditionExpression: 'attribute_not_exists(pk)' } },
          // Last, so the cancellation reasons of the items above keep their places.
          ...recorded.items.map((Item) => ({ Put: { TableName: table, Item } })),
        ],
      }),
    );
    await outbox?.performClaimed(recorded.claimed);
    return await readRep(db, table, read.id);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new RepChangedMeanwhile(`rep ${read.id} changed meanwhile`, { cause: error });
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [profile, , pointer] = error.CancellationReasons ?? [];
    if (profile?.Code === 'ConditionalCheckFailed') throw new RepChangedMeanwhile(`rep ${read.id} changed meanwhile`, { cause: error });
    if (pointer?.Code === 'ConditionalCheckFailed') throw new EmailTaken(changes.email!, { cause: error });
    throw error;
  }
}
