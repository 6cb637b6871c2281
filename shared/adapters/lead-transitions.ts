import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LeadStateConflict, RepUnavailable } from '../domain/errors.ts';
import { LeadStatus, type Lead, type LeadContact, type Tier } from '../domain/lead.ts';
import { checkFollowUps, isHeld, nextDueAt, transitionOf, type TransitionName } from '../domain/lifecycle.ts';
import { transactWithRetries } from './conditional-update.ts';
import { followUpRecords, type EffectRecord, type NewEffect, type Outbox } from './outbox.ts';
import { releaseCapacity, takeCapacity, type CounterState } from './rep-capacity.ts';
import { dueIndexKeys, eventItem, leadKey, ownerIndexKey, teamQueueKey, teamQueueSortKey, type LeadEvent } from './table-items.ts';

/** Where the router put a lead and why: recorded on the lead and in its history. */
export interface Placement {
  readonly tier: Tier;
  readonly score: number;
  readonly teamId: string;
  /** The contact deadline under the SLA of the lead's tier. */
  readonly contactDeadline: string;
  /** The decision as the history shows it: rule, candidates and why each was skipped. */
  readonly detail: Record<string, unknown>;
}

/** Set when a manager assigns a lead by hand: the history names them, and a previous owner is released. */
export interface HandAssignment {
  readonly manager?: string;
}

export interface Assignment extends Placement {
  readonly repId: string;
  readonly counters: CounterState;
  /** The rep's next place in a weighted rotation, when the team uses one. */
  readonly virtualTime?: number;
}

/** One transition of the lifecycle table, as a use case asks the store to commit it. */
export interface TransitionRequest {
  /** The lead as read (at least its id and attempt; its status and owner when known). */
  readonly lead: Pick<Lead, 'id' | 'attempt'> & Partial<Lead>;
  readonly at: Date;
  /** Who made the change, as the history names them: `rep:<id>`, `router`, `sla-timer`, `manager:<id>`… */
  readonly actor: string;
  readonly detail?: Record<string, unknown>;
  /**
   * The rep of the transition: the owner who acts (`owner` guard), or the rep who takes the lead
   * (`take`, `move`) with the counters their capacity and caps are checked against.
   */
  readonly rep?: {
    readonly id: string;
    readonly counters?: CounterState;
    readonly virtualTime?: number;
    /** For a rep taking the lead: only while they are still in this team (the router's offer). */
    readonly teamId?: string;
  };
  /** Lead fields the transition sets, beyond the status and what the table implies. */
  readonly set?: Readonly<Record<string, unknown>>;
  /**
   * Contact fields the transition sets, each only while it still holds the value read (`lead.contact`):
   * a change made meanwhile by someone else is never overwritten unseen.
   */
  readonly contact?: Readonly<Partial<LeadContact>>;
  readonly remove?: readonly string[];
  /** Values appended to list fields (`missedBy`). */
  readonly append?: Readonly<Record<string, readonly unknown[]>>;
  readonly effects?: readonly NewEffect[];
  /** Only while the lead's entry in the due index is still this one (the sweeper's read). */
  readonly ifDue?: string;
  /** For a once-per-quiet-period guard: when the period now ending began (done only if last done by then). */
  readonly quietSince?: string;
  /** For a once-per-planned-time guard: the instant planned for (done only if not planned for it yet). */
  readonly plannedFor?: string;
  /** Events recorded just before the transition's own (the sweeper's `swept`). */
  readonly before?: readonly Omit<LeadEvent, 'at'>[];
}

export interface Committed {
  /** The lead as the transition left it (from what was read and what was written). */
  readonly lead: Lead;
  readonly effects: readonly EffectRecord[];
}

const isCancelledAt = (error: unknown, index: number) =>
  error instanceof TransactionCanceledException && error.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed';

/**
 * Commits the lifecycle table's transitions, each as ONE transaction: the lead's conditional
 * update (conditioned on the state it was read in, so a redelivered message, a second router or
 * a double click can only ever win once; the loser gets `LeadStateConflict`), the rep's capacity,
 * the history event and the outbox records of its follow-up effects. The effects this function
 * can perform itself are performed right after the commit.
 */
export class LeadTransitions {
  readonly #table: string;
  readonly #db: DynamoDBDocumentClient;
  readonly #outbox: Outbox | undefined;
  readonly #graceMs: number;

  /** `graceMs`: what the SLA timer gets before the sweeper acts for it (real ms, time-scaled locally). */
  constructor(tableName: string, db: DynamoDBDocumentClient, outbox: Outbox | undefined, graceMs: number) {
    this.#table = tableName;
    this.#db = db;
    this.#outbox = outbox;
    this.#graceMs = graceMs;
  }

  /**
   * Commits one transition of the lifecycle table. Conditions: the lead is in one of the
   * transition's from-statuses at the attempt read (and held by `rep` for owner-guarded ones, not
   * yet done for this attempt or deadline for once-only ones); a rep taking the lead is active,
   * reachable and under capacity and caps, and in the team `rep.teamId` names when it names one.
   * Throws `LeadStateConflict` when the lead moved on and `RepUnavailable` when the rep has no
   * room or left the team.
   */
  async commit(name: TransitionName, request: TransitionRequest): Promise<Committed> {
    const transition = transitionOf(name);
    const effects = request.effects ?? [];
    checkFollowUps(name, effects.map((effect) => effect.purpose));
    const { lead } = request;
    const at = request.at.toISOString();
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':attempt': lead.attempt };
    const conditions = ['attribute_exists(pk)', 'attempt = :attempt'];
    const sets: string[] = [];
    const removes = new Set<string>(request.remove ?? []);
    const changed: Record<string, unknown> = {};
    const set = (field: string, value: unknown) => {
      const key = `:s${sets.length}`;
      names[`#f${sets.length}`] = field;
      sets.push(`#f${sets.length} = ${key}`);
      values[key] = value;
      changed[field] = value;
    };

    if (request.ifDue !== undefined) {
      values[':due'] = request.ifDue;
      conditions.push('gsi3sk = :due');
    }
    const from = transition.from as readonly LeadStatus[];
    from.forEach((status, i) => (values[`:from${i}`] = status));
    conditions.push(`#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`);
    if (lead.status !== undefined && transition.guard === 'current') {
      if (!from.includes(lead.status)) throw new LeadStateConflict(`a ${lead.status.toLowerCase()} lead cannot be ${transition.event}`);
      values[':read'] = lead.status;
      conditions.push('#status = :read');
    }

    const owner = transition.guard === 'owner' ? (request.rep?.id ?? lead.ownerId) : lead.ownerId;
    if (transition.guard === 'owner') {
      if (!owner) throw new LeadStateConflict(`lead ${lead.id} has no owner to ${name} it`);
      values[':owner'] = owner;
      conditions.push('ownerId = :owner');
    } else if (typeof transition.guard === 'object') {
      const { field } = transition.guard;
      names['#once'] = field;
      if (transition.guard.oncePer === 'attempt') {
        conditions.push('(attribute_not_exists(#once) OR #once < :attempt)');
        set(field, lead.attempt);
      } else if (transition.guard.oncePer === 'quiet-period') {
        if (!request.quietSince) throw new Error(`${name} needs the start of its quiet period`);
        values[':quietSince'] = request.quietSince;
        conditions.push('(attribute_not_exists(#once) OR #once <= :quietSince)');
        set(field, at);
      } else if (transition.guard.oncePer === 'planned-time') {
        if (!request.plannedFor) throw new Error(`${name} needs the instant it plans for`);
        values[':planned'] = request.plannedFor;
        conditions.push('(attribute_not_exists(#once) OR #once <> :planned)');
        set(field, request.plannedFor);
      } else {
        if (!lead.contactDeadline) throw new Error(`${name} needs the lead's contact deadline as read`);
        values[':deadline'] = lead.contactDeadline;
        conditions.push('contactDeadline = :deadline', '(attribute_not_exists(#once) OR #once <> :deadline)');
        set(field, lead.contactDeadline);
      }
    }

    const to = transition.to === 'same' ? lead.status : transition.to;
    if (transition.to !== 'same') set('status', transition.to);
    const attempt = transition.newAttempt ? lead.attempt + 1 : lead.attempt;
    if (transition.newAttempt) set('attempt', attempt);

    // What moving between statuses implies for the lead's fields and indexes.
    const takes = transition.capacity === 'take' || transition.capacity === 'move';
    if (takes) {
      if (!request.rep) throw new Error(`${name} needs the rep who takes the lead`);
      set('ownerId', request.rep.id);
      set('offeredAt', at);
      set('gsi2pk', ownerIndexKey(request.rep.id));
      set('gsi2sk', at);
    }
    if (to === LeadStatus.accepted && lead.status !== LeadStatus.accepted) set('acceptedAt', at);
    if (to === LeadStatus.contacted) set('contactedAt', at);
    if (to === LeadStatus.closed) set('closedAt', at);
    if (to === LeadStatus.queued && lead.status !== LeadStatus.queued) {
      const tier = (request.set?.tier ?? lead.tier ?? 'warm') as Tier;
      set('queuedAt', at);
      set('gsi1pk', teamQueueKey(String(request.set?.teamId ?? lead.teamId)));
      set('gsi1sk', teamQueueSortKey(tier, { receivedAt: lead.receivedAt ?? at, id: lead.id }));
    }
    if (to !== undefined && to !== LeadStatus.queued) ['gsi1pk', 'gsi1sk'].forEach((field) => removes.add(field));
    if (to !== undefined && !isHeld(to)) ['gsi2pk', 'gsi2sk'].forEach((field) => removes.add(field));
    // Back to routing, or to a queue or marketing: nobody owns it. A closed lead keeps who closed it.
    if (to !== undefined && !isHeld(to) && to !== LeadStatus.closed) removes.add('ownerId');
    for (const [field, value] of Object.entries(request.set ?? {})) set(field, value);
    const contactChanges = Object.entries(request.contact ?? {}).filter(([, value]) => value !== undefined);
    contactChanges.forEach(([field, value], i) => {
      names['#contact'] = 'contact';
      names[`#c${i}`] = field;
      values[`:c${i}`] = value;
      sets.push(`#contact.#c${i} = :c${i}`);
      const read = lead.contact?.[field as keyof LeadContact];
      if (read === undefined) conditions.push(`attribute_not_exists(#contact.#c${i})`);
      else {
        values[`:was${i}`] = read;
        conditions.push(`#contact.#c${i} = :was${i}`);
      }
    });

    const appends: string[] = [];
    const appendValues: Record<string, readonly unknown[]> = { ...(request.append ?? {}) };
    if (transition.excludesOwner && owner) appendValues.excludedReps = [...(appendValues.excludedReps ?? []), owner];
    for (const [field, list] of Object.entries(appendValues)) {
      const i = appends.length;
      names[`#a${i}`] = field;
      values[`:a${i}`] = list;
      values[':none'] = [];
      appends.push(`#a${i} = list_append(if_not_exists(#a${i}, :none), :a${i})`);
    }

    const after = {
      ...lead,
      ...changed,
      attempt,
      ...(to ? { status: to } : {}),
      ...(contactChanges.length ? { contact: { ...lead.contact, ...Object.fromEntries(contactChanges) } } : {}),
    } as Lead;
    const cleared = [...removes].filter((field) => !(field in changed));
    for (const field of [...cleared, 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']) delete (after as unknown as Record<string, unknown>)[field];
    for (const [field, list] of Object.entries(appendValues)) {
      Object.assign(after, { [field]: [...(((lead as unknown as Record<string, unknown>)[field] as unknown[] | undefined) ?? []), ...list] });
    }
    // The sparse due index: when the sweeper should look at this lead if nothing moves it on.
    const due = to !== undefined && after.contactDeadline ? nextDueAt(after, request.at, this.#graceMs) : undefined;
    if (due) {
      const keys = dueIndexKeys({ leadId: lead.id }, due);
      set('gsi3pk', keys.gsi3pk);
      set('gsi3sk', keys.gsi3sk);
    } else if (to !== undefined) ['gsi3pk', 'gsi3sk'].forEach((field) => removes.add(field));
    // A field the transition sets is not also removed (DynamoDB refuses both in one update).
    const removeList = [...removes].filter((field) => !(field in changed)).map((field, i) => {
      names[`#r${i}`] = field;
      return `#r${i}`;
    });
    const updateExpression = [
      sets.length || appends.length ? `SET ${[...sets, ...appends].join(', ')}` : '',
      removeList.length ? `REMOVE ${removeList.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');

    // Everything the transition writes under the lead expires with it (the lead as read carries its TTL).
    const expiresAt = lead.expiresAt;
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Update: {
          TableName: this.#table,
          Key: leadKey(lead.id),
          ConditionExpression: conditions.join(' AND '),
          UpdateExpression: updateExpression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    ];
    let capacityIndex = -1;
    if (takes) {
      capacityIndex = items.length;
      items.push(takeCapacity(this.#table, { ...request.rep!, counters: request.rep!.counters! }, at));
    }
    if (transition.capacity === 'release' && owner) items.push(releaseCapacity(this.#table, owner, { at }));
    // Assigned by hand away from someone who held it: their slot is free again.
    if (transition.capacity === 'move' && lead.ownerId && lead.status && isHeld(lead.status)) items.push(releaseCapacity(this.#table, lead.ownerId, { at }));

    // The history: any preceding events first, each a millisecond apart so it reads in order.
    const events = [...(request.before ?? []), { kind: transition.event, actor: request.actor, detail: request.detail }];
    events.forEach((event, i) => {
      const eventAt = new Date(request.at.getTime() - (events.length - 1 - i)).toISOString();
      const entry: LeadEvent = {
        at: eventAt,
        kind: event.kind,
        actor: event.actor,
        ...(i === events.length - 1 && lead.status ? { from: lead.status } : {}),
        ...(i === events.length - 1 && to ? { to } : {}),
        ...(event.detail ? { detail: event.detail } : {}),
      };
      items.push({ Put: { TableName: this.#table, Item: eventItem(lead.id, entry, expiresAt) } });
    });

    const recorded = followUpRecords(this.#outbox, name, { leadId: lead.id }, effects, request.at, expiresAt);
    for (const item of recorded.items) items.push({ Put: { TableName: this.#table, Item: item } });

    try {
      // Two offers taking one rep's counters at the same moment, a lead and its rep written by two
      // functions at once: a transaction that only collided is tried again.
      await transactWithRetries(this.#db, new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (isCancelledAt(error, 0)) throw new LeadStateConflict(`lead ${lead.id} cannot be ${transition.event} from its current state`, { cause: error });
      if (capacityIndex >= 0 && isCancelledAt(error, capacityIndex)) {
        throw new RepUnavailable(`rep ${request.rep!.id} is full, capped, inactive, unreachable or in another team`, { cause: error });
      }
      throw error;
    }
    await this.#outbox?.performClaimed(recorded.claimed);
    return { lead: after, effects: [...recorded.claimed] };
  }
}
