import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { EmailTaken } from '../domain/errors.ts';
import { followUpRecords, type NewEffect } from './outbox.ts';
import { changeByAdmin, switchOff, switchOn, type AdminRepChanges, type Switched } from './rep-account-writes.ts';
import { newRepItems, RepStore, type NewRep, type Rep } from './rep-store.ts';
import { emailKey, repKey, stampRosterChange } from './table-items.ts';

export { RepChangedMeanwhile, type AdminRepChanges, type Switched } from './rep-account-writes.ts';

/**
 * The rep store as the admin (and the seed) uses it: everything `RepStore` does, and the admin's
 * writes: adding reps, switching them off and on, changing them, and making a bounced rep
 * reachable again on a re-import. Only the admin's functions build it, so the other functions'
 * bundles carry none of these writes.
 */
export class AdminRepStore extends RepStore {
  /**
   * Adds a rep with no open leads and a fresh place in the rotation; an existing rep is kept
   * as is (returns false), so re-running a seed or an import never resets anyone's load.
   */
  async add(input: NewRep): Promise<boolean> {
    const items = newRepItems(input);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.table, Item: items.rep, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: this.table, Item: items.email, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [rep, address] = error.CancellationReasons ?? [];
      if (rep?.Code === 'ConditionalCheckFailed') return false;
      if (address?.Code === 'ConditionalCheckFailed') throw new Error(`${String(items.rep.email)} already belongs to another rep`, { cause: error });
      throw error;
    }
  }

  /** Switches the rep off and ends their sessions, once (`changed` false when they were off already). */
  disable(repId: string): Promise<Switched> {
    return switchOff(this.db, this.table, repId);
  }

  /**
   * Switches the rep on again (`changed` false when they were on), with what must follow
   * (`followUps` of the rep as read) recorded in the same write.
   */
  enable(repId: string, followUps: (rep: Rep) => readonly NewEffect[] = () => [], at: Date = new Date()): Promise<Switched> {
    return switchOn(this.writes, repId, followUps, at);
  }

  /**
   * An admin's changes to the rep as read, with what must follow them (`effects`) recorded in the
   * same write; `RepChangedMeanwhile` when the rep changed since, `EmailTaken` for another rep's address.
   */
  updateByAdmin(read: Rep, changes: AdminRepChanges, effects: readonly NewEffect[] = [], at: Date = new Date()): Promise<Rep> {
    return changeByAdmin(this.writes, read, changes, effects, at);
  }

  /**
   * An admin imported the rep again: they are reachable, at `email` if that is a new address.
   * A new address moves the sign-in pointer in the same transaction, and fails with
   * `EmailTaken` if another rep has it. What must follow (`effects`: their team's queue offered
   * again) is recorded in it too. Undefined when the rep was not marked (nothing changed).
   */
  async markReachable(repId: string, email: string, effects: readonly NewEffect[] = [], at: Date = new Date()): Promise<{ readonly emailChanged: boolean } | undefined> {
    const rep = await this.get(repId);
    if (!rep?.unreachable) return undefined;
    const address = email.trim().toLowerCase();
    const emailChanged = address !== rep.email.toLowerCase();
    const clear = {
      TableName: this.table,
      Key: repKey(repId),
      ConditionExpression: 'unreachable.since = :since AND email = :old',
      ...stampRosterChange({ UpdateExpression: 'SET email = :new REMOVE unreachable', ExpressionAttributeValues: { ':since': rep.unreachable.since, ':old': rep.email, ':new': address } }, repId),
    };
    const recorded = followUpRecords(this.writes.outbox, `making rep ${repId} reachable`, { repId }, effects, at);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: clear },
            ...(emailChanged
              ? [
                  { Delete: { TableName: this.table, Key: emailKey(rep.email), ConditionExpression: 'repId = :rep', ExpressionAttributeValues: { ':rep': repId } } },
                  { Put: { TableName: this.table, Item: { ...emailKey(address), type: 'rep-email', repId }, ConditionExpression: 'attribute_not_exists(pk)' } },
                ]
              : []),
            // Last, so the cancellation reasons of the items above keep their places.
            ...recorded.items.map((Item) => ({ Put: { TableName: this.table, Item } })),
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [profile, , pointer] = error.CancellationReasons ?? [];
      // Cleared (or re-marked) by a concurrent import of the same row: that one reports it.
      if (pointer?.Code === 'ConditionalCheckFailed' && (await this.findByEmail(address))?.id !== repId) throw new EmailTaken(address, { cause: error });
      if (profile?.Code === 'ConditionalCheckFailed' || pointer?.Code === 'ConditionalCheckFailed') return undefined;
      throw error;
    }
    await this.writes.outbox?.performClaimed(recorded.claimed);
    return { emailChanged };
  }
}
