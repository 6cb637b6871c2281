import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import * as z from '../zod.ts';
import { FollowUps, type FollowUp } from '../domain/follow-ups.ts';
import { dynamoDocument } from './aws-clients.ts';
import { updateIf } from './conditional-update.ts';
import type { Email } from './mailer.ts';
import { RoutingMessageSchema, type RoutingMessage } from './routing-queue.ts';
import type { SlaTimerInput } from './sla-timer.ts';
import { dueIndexKeys, effectExpiry, effectKey, expiryWithin, oncePerKey, ownerLabel, ownerOf, type EffectOwner } from './table-items.ts';

export { DUE_SHARDS, dueIndexKeys, dueShard, effectKey, ownerLabel, ownerOf, type EffectOwner } from './table-items.ts';

/**
 * The transactional outbox. Whatever must follow a committed state change (an email, an SLA
 * timer, a message to routing) is written as an effect record in the same transaction, under the
 * key of whose change it was (a lead's, or a rep's own account), and performed afterwards
 * exactly once in effect:
 * - by the committing function at once (the fast path), which then records the effect claimed
 *   in the transaction itself, so nobody else performs it while its lease lasts;
 * - otherwise by the effects relay, fed by the table's stream, which claims it first;
 * - and, for an effect whose performer died or kept failing, by the sweeper, which re-arms it.
 * An email is sent by whoever holds the claim, a timer's execution name is the effect's own, and
 * routing is idempotent, so a redelivered stream record or a second relay changes nothing.
 */

/** What an effect does. Emails are rendered at commit time: the relay needs no keys or config. */
export type EffectAction =
  | {
      readonly kind: 'email';
      readonly email: Email;
      /**
       * At most one email per key within the window (a team's queue notice): the first effect to
       * claim the key sends, later ones within the window are done without sending.
       */
      readonly oncePer?: { readonly key: string; readonly withinMs: number };
    }
  | { readonly kind: 'timer'; readonly input: SlaTimerInput }
  | { readonly kind: 'message'; readonly message: RoutingMessage };

export interface NewEffect {
  /** The follow-up of the lifecycle table this effect is. */
  readonly purpose: FollowUp;
  readonly action: EffectAction;
  /**
   * Not to be performed before this instant (ISO): recorded pending and due then, so the relay
   * leaves it until the sweeper finds it due and hands it over, as it does a stuck effect.
   */
  readonly notBefore?: string;
}

export const EffectStatus = {
  /** Recorded; the relay performs it. */
  pending: 'pending',
  /** Someone is performing it until `leaseUntil`. */
  claimed: 'claimed',
  /** The last try failed; the stream retries it, then the sweeper re-arms it. */
  failed: 'failed',
  done: 'done',
} as const;
export type EffectStatus = (typeof EffectStatus)[keyof typeof EffectStatus];

const EmailSchema = z.object({ to: z.string(), subject: z.string(), html: z.string(), text: z.string() });
const TimerInputSchema = z.object({
  leadId: z.string(),
  attempt: z.number(),
  acceptDeadline: z.string(),
  reminderAt: z.string(),
  contactDeadline: z.string(),
});
const ActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('email'), email: EmailSchema, oncePer: z.optional(z.object({ key: z.string(), withinMs: z.number() })) }),
  z.object({ kind: z.literal('timer'), input: TimerInputSchema }),
  z.object({ kind: z.literal('message'), message: RoutingMessageSchema }),
]);

const EffectFieldsSchema = z.object({
  type: z.literal('effect'),
  id: z.string().check(z.minLength(1)),
  purpose: z.enum(FollowUps),
  action: ActionSchema,
  status: z.enum(['pending', 'claimed', 'failed', 'done']),
  createdAt: z.string(),
  attempts: z.number().check(z.int(), z.nonnegative()),
  leaseUntil: z.optional(z.string()),
  rearms: z.optional(z.number().check(z.int(), z.nonnegative())),
  /** A lead's TTL, which its effect records share, or a rep's record's own; what performing one leaves (a once-per window) expires no later. */
  expiresAt: z.optional(z.number()),
  notBefore: z.optional(z.string()),
});

/** An effect record as stored (and as the stream's new image carries it): a lead's or a rep's, never both. */
export const EffectRecordSchema = z.union([
  z.extend(EffectFieldsSchema, { leadId: z.string().check(z.minLength(1)), repId: z.optional(z.undefined()) }),
  z.extend(EffectFieldsSchema, { repId: z.string().check(z.minLength(1)), leadId: z.optional(z.undefined()) }),
]);
export type EffectRecord = z.infer<typeof EffectRecordSchema>;

/** Sortable by creation, unique per effect: the effect's id, and the tail of its timer's execution name. */
export const newEffectId = (now: Date) => `${now.getTime().toString(36)}-${randomBytes(4).toString('hex')}`;

/**
 * The SLA timer's execution name: per lead, attempt and effect, so a lead queued again at the
 * same attempt (after a pass or a reassignment) gets a watcher of its own, and a retried start of
 * the same effect finds its execution already there (Step Functions names are unique).
 */
export const timerExecutionName = (effect: Pick<EffectRecord, 'id' | 'action'> & { readonly action: { readonly kind: 'timer'; readonly input: SlaTimerInput } }) =>
  `${effect.action.input.leadId}-${effect.action.input.attempt}-${effect.id}`;

/** The services an effect needs. A function performs at once only the kinds it has a performer for. */
export interface Performers {
  readonly mailer?: { send(email: Email, tags?: Readonly<Record<string, string>>): Promise<void> };
  readonly timer?: { start(input: SlaTimerInput, name: string): Promise<void> };
  readonly queue?: { enqueue(message: RoutingMessage): Promise<void> };
}

export interface OutboxOptions {
  readonly performers: Performers;
  /**
   * How long a claim holds: longer than performing one effect takes with the SDK's timeouts and
   * retries, so a live performer is never overtaken; after it, a crashed performer's effect is
   * free for the sweeper.
   */
  readonly leaseMs?: number;
  /** How long after its creation an effect not yet done counts as stuck (real ms, time-scaled locally). */
  readonly retryBudgetMs: number;
  readonly db?: DynamoDBDocumentClient;
  /** Called when performing failed and the effect was left for the relay. */
  readonly onFailure?: (effect: EffectRecord, error: unknown) => void;
  /**
   * How long the committing function waits on a message or timer of its own before leaving it to
   * the relay (emails are always waited for: sending one twice is not harmless).
   */
  readonly patienceMs?: number;
}

/** Far above a healthy call (tens of ms), far below the SDK giving up on a hung one (about 8 s). */
export const DEFAULT_PATIENCE_MS = 1_500;

/** The SDK gives up on a call within about 8 s (aws-clients.ts); twice that holds. */
export const DEFAULT_LEASE_MS = 15_000;

export type RelayOutcome = 'performed' | 'suppressed' | 'already-done' | 'claimed-elsewhere' | 'not-yet';

/** The effect could not be performed; it is released for another try. */
export class EffectFailed extends Error {
  override name = 'EffectFailed';
}

/** What SES's event publishing carries of the owner (`lead` or `rep`), so a bounce or complaint traces back. */
const sesTagOf = (effect: EffectOwner): Record<string, string> => (effect.leadId !== undefined ? { lead: effect.leadId } : { rep: effect.repId });

/**
 * The outbox records of a change's follow-ups, for its transaction, from a store that may have no
 * outbox: such a store makes only changes that need none (`what` names the change if not). The
 * claimed ones are performed once the transaction committed (`Outbox.performClaimed`).
 */
export function followUpRecords(
  outbox: Outbox | undefined,
  what: string,
  owner: EffectOwner,
  effects: readonly NewEffect[],
  now: Date,
  leadExpiresAt?: number,
): { items: Record<string, unknown>[]; claimed: EffectRecord[] } {
  if (effects.length === 0) return { items: [], claimed: [] };
  if (!outbox) throw new Error(`${what} has follow-up effects but this store has no outbox`);
  return outbox.records(owner, effects, now, leadExpiresAt);
}

export class Outbox {
  readonly #table: string;
  readonly #db: DynamoDBDocumentClient;
  readonly #performers: Performers;
  readonly #leaseMs: number;
  readonly #retryBudgetMs: number;
  readonly #onFailure: OutboxOptions['onFailure'];
  readonly #patienceMs: number;

  constructor(tableName: string, options: OutboxOptions) {
    this.#table = tableName;
    this.#db = options.db ?? dynamoDocument;
    this.#performers = options.performers;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#retryBudgetMs = options.retryBudgetMs;
    this.#onFailure = options.onFailure;
    this.#patienceMs = options.patienceMs ?? DEFAULT_PATIENCE_MS;
  }

  /** Whether this function can perform an effect of this kind itself. */
  canPerform(action: EffectAction): boolean {
    switch (action.kind) {
      case 'email':
        return this.#performers.mailer !== undefined;
      case 'timer':
        return this.#performers.timer !== undefined;
      case 'message':
        return this.#performers.queue !== undefined;
    }
  }

  /**
   * The records of a change's effects, for its transaction, under the owner's key. Those this
   * function can perform are recorded claimed by it, so the relay leaves them alone while the
   * lease lasts. `leadExpiresAt`: a lead's TTL, which its records share (a rep's expire on their own).
   */
  records(owner: EffectOwner, effects: readonly NewEffect[], now: Date, leadExpiresAt?: number): { items: Record<string, unknown>[]; claimed: EffectRecord[] } {
    const items: Record<string, unknown>[] = [];
    const claimed: EffectRecord[] = [];
    const createdAt = now.toISOString();
    const dueAt = new Date(now.getTime() + this.#retryBudgetMs).toISOString();
    const whose = ownerOf(owner);
    const expiry = effectExpiry(whose, now, leadExpiresAt);
    for (const effect of effects) {
      const id = newEffectId(now);
      const later = effect.notBefore !== undefined && effect.notBefore > createdAt;
      const mine = this.canPerform(effect.action) && !later;
      const record = {
        type: 'effect',
        id,
        ...whose,
        purpose: effect.purpose,
        action: effect.action as EffectRecord['action'],
        status: mine ? EffectStatus.claimed : EffectStatus.pending,
        createdAt,
        attempts: mine ? 1 : 0,
        ...(mine ? { leaseUntil: new Date(now.getTime() + this.#leaseMs).toISOString() } : {}),
        ...(later ? { notBefore: effect.notBefore } : {}),
        ...expiry,
      } as EffectRecord;
      items.push({ ...effectKey(whose, id), ...record, ...dueIndexKeys(whose, later ? effect.notBefore! : dueAt, id) });
      if (mine) claimed.push(record);
    }
    return { items, claimed };
  }

  /**
   * The fast path: performs the effects this function claimed in its commit, in parallel. A
   * failure never reaches the caller (the state change is committed and the effect recorded):
   * the effect is released for the relay, which retries it.
   */
  async performClaimed(effects: readonly EffectRecord[], now: () => Date = () => new Date()): Promise<void> {
    await Promise.all(
      effects.map(async (effect) => {
        const performing = this.#perform(effect, now()).then(
          async (outcome) => {
            await this.#markDone(effect, now(), outcome === 'suppressed');
            return true;
          },
          async (error: unknown) => {
            this.#onFailure?.(effect, error);
            // Pending again: the stream carries the change to the relay, which retries it.
            await this.#release(effect, now(), error, EffectStatus.pending).catch(() => undefined);
            return false;
          },
        );
        // A message or a timer is safe to perform twice (routing is idempotent, a timer's name is
        // its own), so the caller does not wait out a hung call for them: after a moment the
        // relay takes over, and whichever finishes first marks it done.
        if (effect.action.kind === 'email') return void (await performing);
        const patience = new Promise<'impatient'>((resolve) => setTimeout(resolve, this.#patienceMs, 'impatient').unref());
        if ((await Promise.race([performing, patience])) === 'impatient') {
          await this.#release(effect, now(), new Error(`still performing after ${this.#patienceMs} ms; left to the relay`), EffectStatus.pending).catch(() => undefined);
        }
      }),
    );
  }

  /**
   * The relay's part: claim an effect the stream delivered, perform it, record it done. Done
   * already, claimed by a live performer (the committing function's fast path), or not due yet:
   * nothing to do. A failure releases the claim and throws, so the stream retries the record.
   */
  async relay(effect: EffectRecord, now: () => Date = () => new Date()): Promise<RelayOutcome> {
    if (effect.status === EffectStatus.done) return 'already-done';
    // Its time has not come: the sweeper hands it over once due (and clears `notBefore` then).
    if (effect.notBefore !== undefined && effect.notBefore > now().toISOString()) return 'not-yet';
    if (effect.status === EffectStatus.claimed && effect.leaseUntil && effect.leaseUntil > now().toISOString()) return 'claimed-elsewhere';
    const claimed = await this.#claim(effect, now());
    if (claimed !== 'claimed') return claimed;
    let outcome: 'performed' | 'suppressed';
    try {
      outcome = await this.#perform(effect, now());
    } catch (error) {
      this.#onFailure?.(effect, error);
      // Failed, not pending: the stream retries this very record, with its backoff.
      await this.#release(effect, now(), error, EffectStatus.failed);
      throw new EffectFailed(`${effect.purpose} ${effect.id} of ${ownerLabel(effect)} failed: ${(error as Error).message}`, { cause: error });
    }
    await this.#markDone(effect, now(), outcome === 'suppressed');
    return outcome;
  }

  async #perform(effect: EffectRecord, now: Date): Promise<'performed' | 'suppressed'> {
    const { action } = effect;
    switch (action.kind) {
      case 'email': {
        const mailer = this.#need(this.#performers.mailer, 'a mailer');
        if (action.oncePer && !(await this.#takeWindow(action.oncePer, effect, now))) return 'suppressed';
        await mailer.send(action.email, { ...sesTagOf(effect), effect: effect.id });
        return 'performed';
      }
      case 'timer':
        await this.#need(this.#performers.timer, 'an SLA timer').start(action.input, timerExecutionName({ id: effect.id, action }));
        return 'performed';
      case 'message':
        await this.#need(this.#performers.queue, 'the routing queue').enqueue(action.message);
        return 'performed';
    }
  }

  #need<T>(performer: T | undefined, what: string): T {
    if (!performer) throw new Error(`this function has no ${what} to perform the effect with`);
    return performer;
  }

  /**
   * The window of a once-per key: free, lapsed, or already this effect's (a retry of it). It
   * names the effect that took it, so it expires once the window is over (and never after the
   * effect's lead): a lapsed window and a missing one allow the same.
   */
  async #takeWindow(window: { key: string; withinMs: number }, effect: EffectRecord, now: Date): Promise<boolean> {
    const { expiresAt } = expiryWithin(effect.expiresAt, now.getTime() + window.withinMs);
    return updateIf(this.#db, {
      TableName: this.#table,
      Key: oncePerKey(window.key),
      UpdateExpression: 'SET takenAt = :now, effectId = :effect, expiresAt = :expires',
      ConditionExpression: 'attribute_not_exists(takenAt) OR takenAt < :quietSince OR effectId = :effect',
      ExpressionAttributeValues: {
        ':now': now.toISOString(),
        ':quietSince': new Date(now.getTime() - window.withinMs).toISOString(),
        ':effect': effect.id,
        ':expires': expiresAt,
      },
    });
  }

  async #claim(effect: EffectRecord, now: Date): Promise<'claimed' | 'already-done' | 'claimed-elsewhere'> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: effectKey(effect, effect.id),
          UpdateExpression: 'SET #status = :claimed, leaseUntil = :lease, attempts = if_not_exists(attempts, :zero) + :one',
          ConditionExpression: 'attribute_exists(pk) AND #status <> :done AND (#status <> :claimed OR leaseUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':claimed': EffectStatus.claimed,
            ':done': EffectStatus.done,
            ':now': now.toISOString(),
            ':lease': new Date(now.getTime() + this.#leaseMs).toISOString(),
            ':zero': 0,
            ':one': 1,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Gone (its lead was erased, or it expired) counts as done: there is nobody left to tell.
      const status = error.Item?.status?.S;
      return status === undefined || status === EffectStatus.done ? 'already-done' : 'claimed-elsewhere';
    }
  }

  /** Done: out of the due index. Retried a few times, since a lost mark would mean performing it again. */
  async #markDone(effect: EffectRecord, now: Date, suppressed: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await updateIf(this.#db, {
          TableName: this.#table,
          Key: effectKey(effect, effect.id),
          UpdateExpression: `SET #status = :done, doneAt = :now${suppressed ? ', suppressed = :true' : ''} REMOVE leaseUntil, gsi3pk, gsi3sk`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':done': EffectStatus.done, ':now': now.toISOString(), ...(suppressed ? { ':true': true } : {}) },
        });
        return;
      } catch (error) {
        if (attempt >= 4) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }

  /** Gives the claim up after a failure, keeping the error for whoever looks at the lead. */
  async #release(effect: EffectRecord, now: Date, error: unknown, status: typeof EffectStatus.pending | typeof EffectStatus.failed): Promise<void> {
    await updateIf(this.#db, {
      TableName: this.#table,
      Key: effectKey(effect, effect.id),
      UpdateExpression: 'SET #status = :failed, lastError = :error, failedAt = :now REMOVE leaseUntil',
      ConditionExpression: 'attribute_exists(pk) AND #status <> :done',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':failed': status,
        ':done': EffectStatus.done,
        ':now': now.toISOString(),
        ':error': `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`.slice(0, 500),
      },
    });
  }
}
