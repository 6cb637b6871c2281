import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { LeadStateConflict, RepUnavailable } from '../domain/errors.ts';
import { LeadStatus, type Lead, type Tier } from '../domain/lead.ts';
import { checkFollowUps, isHeld, nextDueAt, transitionOf, type TransitionName } from '../domain/lifecycle.ts';
import { dynamoDocument } from './aws-clients.ts';
import { dueIndexKeys, type EffectRecord, type NewEffect, type Outbox } from './outbox.ts';
import { periodKeys, type RepProfile } from '../routing/eligibility.ts';
import { repKey } from './rep-store.ts';

/** One entry of a lead's history: who did what, when, from which state, and why. */
export interface LeadEvent {
  readonly at: string;
  readonly kind: string;
  readonly actor: string;
  readonly from?: LeadStatus;
  readonly to?: LeadStatus;
  readonly detail?: Record<string, unknown>;
}

export const leadKey = (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'LEAD' });

export function eventItem(leadId: string, event: LeadEvent) {
  // The random suffix keeps two events in the same millisecond apart; the time prefix keeps order.
  return { pk: `LEAD#${leadId}`, sk: `EVENT#${event.at}#${randomBytes(3).toString('hex')}`, type: 'lead-event', ...event };
}

/** The two puts that create a lead: the lead, only if its id is new, and its "received" event. */
export function newLeadItems(tableName: string, lead: Lead, expiresAt: number) {
  return [
    { Put: { TableName: tableName, Item: { ...leadKey(lead.id), type: 'lead', ...lead, expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' } },
    {
      Put: {
        TableName: tableName,
        Item: {
          ...eventItem(lead.id, { at: lead.receivedAt, kind: 'received', actor: 'webhook', to: lead.status, ...(lead.sourceId ? { detail: { source: lead.sourceId } } : {}) }),
          expiresAt,
        },
      },
    },
  ];
}

const tierRank: Record<Tier, number> = { hot: 1, warm: 2, cold: 3 };
export const teamQueueKey = (teamId: string) => `QUEUE#${teamId}`;
const teamQueueSortKey = (tier: Tier, lead: Pick<Lead, 'receivedAt' | 'id'>) => `${tierRank[tier]}#${lead.receivedAt}#${lead.id}`;

/** The owner index: a rep's open leads (offered, accepted, contacted), newest offer last. */
export const ownerIndexKey = (repId: string) => `OWNER#${repId}`;

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

/** The rep's day and week counters as the router read them, in the rep's time zone. */
export interface CounterState {
  readonly dayKey: string;
  readonly weekKey: string;
  /** Whether the stored counters are for this day and week (else they restart at 1). */
  readonly sameDay: boolean;
  readonly sameWeek: boolean;
  readonly dailyCap?: number;
  readonly weeklyCap?: number;
}

/** Set when a manager assigns a lead by hand: the history names them, and a previous owner is released. */
export interface HandAssignment {
  readonly manager?: string;
}

/** The counter state of a rep as last read, for the period `now` falls in on the rep's own clock. */
export function countersFor(rep: Pick<RepProfile, 'timeZone' | 'dayKey' | 'weekKey' | 'dailyCap' | 'weeklyCap'>, now: Date): CounterState {
  const { dayKey, weekKey } = periodKeys(rep.timeZone, now);
  return {
    dayKey,
    weekKey,
    sameDay: rep.dayKey === dayKey,
    sameWeek: rep.weekKey === weekKey,
    ...(rep.dailyCap !== undefined ? { dailyCap: rep.dailyCap } : {}),
    ...(rep.weeklyCap !== undefined ? { weeklyCap: rep.weeklyCap } : {}),
  };
}

export interface Assignment extends Placement {
  readonly repId: string;
  readonly counters: CounterState;
  /** The rep's next place in a weighted rotation, when the team uses one. */
  readonly virtualTime?: number;
}

/**
 * The rep side of an offer. Capacity, and the day and week caps when set, are conditions, so a
 * stale roster can never push a rep over; counters of a new day or week restart at one.
 */
function repCounterUpdate(counters: CounterState, at: string, virtualTime: number | undefined) {
  // CAPACITY is a DynamoDB reserved word, hence the aliases throughout.
  const names: Record<string, string> = {
    '#active': 'active',
    '#openLeads': 'openLeads',
    '#capacity': 'capacity',
    '#lastOfferedAt': 'lastOfferedAt',
    '#loadChangedAt': 'loadChangedAt',
    '#dayKey': 'dayKey',
    '#dayCount': 'dayCount',
    '#weekKey': 'weekKey',
    '#weekCount': 'weekCount',
  };
  const values: Record<string, unknown> = { ':true': true, ':one': 1, ':at': at, ':day': counters.dayKey, ':week': counters.weekKey };
  // A rep whose address bounced is out of routing even for a router whose cached roster still
  // shows them (see mark-rep-unreachable.ts).
  names['#unreachable'] = 'unreachable';
  const conditions = ['#active = :true', 'attribute_not_exists(#unreachable)', '#openLeads < #capacity'];
  const sets = ['#openLeads = #openLeads + :one', '#lastOfferedAt = :at', '#loadChangedAt = :at'];
  const period = (key: '#dayKey' | '#weekKey', count: '#dayCount' | '#weekCount', value: ':day' | ':week', same: boolean, cap?: number) => {
    if (same) {
      conditions.push(`${key} = ${value}`);
      if (cap !== undefined) {
        const capValue = `${value}Cap`;
        conditions.push(`${count} < ${capValue}`);
        values[capValue] = cap;
      }
      sets.push(`${count} = ${count} + :one`);
    } else {
      conditions.push(`(attribute_not_exists(${key}) OR ${key} <> ${value})`);
      sets.push(`${key} = ${value}`, `${count} = :one`);
    }
  };
  period('#dayKey', '#dayCount', ':day', counters.sameDay, counters.dailyCap);
  period('#weekKey', '#weekCount', ':week', counters.sameWeek, counters.weeklyCap);
  if (virtualTime !== undefined) {
    names['#virtualTime'] = 'virtualTime';
    values[':vt'] = virtualTime;
    sets.push('#virtualTime = :vt');
  }
  return { condition: conditions.join(' AND '), update: `SET ${sets.join(', ')}`, names, values };
}

function toLead(item: Record<string, unknown>): Lead {
  const { pk: _pk, sk: _sk, type: _type, gsi1pk: _g1, gsi1sk: _g1s, gsi2pk: _g2, gsi2sk: _g2s, gsi3pk: _g3, gsi3sk: _g3s, ...lead } = item;
  return lead as unknown as Lead;
}

const isCancelledAt = (error: unknown, index: number) =>
  error instanceof TransactionCanceledException && error.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed';


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
  readonly rep?: { readonly id: string; readonly counters?: CounterState; readonly virtualTime?: number };
  /** Lead fields the transition sets, beyond the status and what the table implies. */
  readonly set?: Readonly<Record<string, unknown>>;
  readonly remove?: readonly string[];
  /** Values appended to list fields (`missedBy`). */
  readonly append?: Readonly<Record<string, readonly unknown[]>>;
  readonly effects?: readonly NewEffect[];
  /** Only while the lead's entry in the due index is still this one (the sweeper's read). */
  readonly ifDue?: string;
  /** What a once-per-resubmission guard is for: the resubmission's time. */
  readonly once?: string;
  /** Events recorded just before the transition's own (the sweeper's `swept`). */
  readonly before?: readonly Omit<LeadEvent, 'at'>[];
}

export interface Committed {
  /** The lead as the transition left it (from what was read and what was written). */
  readonly lead: Lead;
  readonly effects: readonly EffectRecord[];
}

export interface LeadStoreOptions {
  readonly outbox?: Outbox;
  /** Grace the SLA timer gets before the sweeper acts for it (real ms, time-scaled locally). */
  readonly sweepGraceMs?: number;
  readonly db?: DynamoDBDocumentClient;
}

/** Grace of a minute of SLA time; time-scaled in the composition roots. */
const DEFAULT_GRACE_MS = 60_000;

/**
 * Leads and their history in the stack's single table. Every change of a lead is a transition
 * of the lifecycle table, committed by `commit` as ONE transaction: the lead's conditional
 * update (conditioned on the state it was read in, so a redelivered message, a second router or
 * a double click can only ever win once; the loser gets `LeadStateConflict`), the rep's capacity,
 * the history event and the outbox records of its follow-up effects. The effects this function
 * can perform itself are performed right after the commit.
 */
export class LeadStore {
  readonly #table: string;
  readonly #db: DynamoDBDocumentClient;
  readonly #outbox: Outbox | undefined;
  readonly #graceMs: number;

  constructor(tableName: string, options: LeadStoreOptions | DynamoDBDocumentClient = {}) {
    const resolved: LeadStoreOptions = 'send' in options ? { db: options } : options;
    this.#table = tableName;
    this.#db = resolved.db ?? dynamoDocument;
    this.#outbox = resolved.outbox;
    this.#graceMs = resolved.sweepGraceMs ?? DEFAULT_GRACE_MS;
  }

  get outbox(): Outbox | undefined {
    return this.#outbox;
  }

  async get(leadId: string): Promise<Lead | undefined> {
    const { Item } = await this.#db.send(new GetCommand({ TableName: this.#table, Key: leadKey(leadId), ConsistentRead: true }));
    return Item ? toLead(Item) : undefined;
  }

  async history(leadId: string): Promise<LeadEvent[]> {
    const events: LeadEvent[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `LEAD#${leadId}`, ':prefix': 'EVENT#' },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      for (const { pk: _pk, sk: _sk, type: _type, expiresAt: _e, ...event } of page.Items ?? []) events.push(event as unknown as LeadEvent);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return events;
  }

  /** The lead's effect records, oldest first: what its transitions left to be done, and how that went. */
  async effects(leadId: string): Promise<(EffectRecord & { readonly lastError?: string; readonly doneAt?: string; readonly suppressed?: boolean })[]> {
    const { Items = [] } = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `LEAD#${leadId}`, ':prefix': 'EFFECT#' },
        ConsistentRead: true,
      }),
    );
    return Items.map(({ pk: _pk, sk: _sk, gsi3pk: _g, gsi3sk: _gs, expiresAt: _e, ...effect }) => effect as EffectRecord);
  }

  /**
   * Commits one transition of the lifecycle table. Conditions: the lead is in one of the
   * transition's from-statuses at the attempt read (and held by `rep` for owner-guarded ones, not
   * yet done for this attempt or deadline for once-only ones); a rep taking the lead is active,
   * reachable and under capacity and caps. Throws `LeadStateConflict` when the lead moved on and
   * `RepUnavailable` when the rep has no room.
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
      } else if (transition.guard.oncePer === 'resubmission') {
        if (!request.once) throw new Error(`${name} needs the resubmission it is for`);
        values[':once'] = request.once;
        conditions.push('(attribute_not_exists(#once) OR #once < :once)');
        set(field, request.once);
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

    const after = { ...lead, ...changed, attempt, ...(to ? { status: to } : {}) } as Lead;
    const cleared = [...removes].filter((field) => !(field in changed));
    for (const field of [...cleared, 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']) delete (after as unknown as Record<string, unknown>)[field];
    for (const [field, list] of Object.entries(appendValues)) {
      Object.assign(after, { [field]: [...(((lead as unknown as Record<string, unknown>)[field] as unknown[] | undefined) ?? []), ...list] });
    }
    // The sparse due index: when the sweeper should look at this lead if nothing moves it on.
    const due = to !== undefined && after.contactDeadline ? nextDueAt(after, request.at, this.#graceMs) : undefined;
    if (due) {
      const keys = dueIndexKeys(lead.id, due);
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
      items.push(this.#takeCapacity(request.rep!.id, request.rep!.counters!, at, request.rep!.virtualTime));
    }
    if (transition.capacity === 'release' && owner) items.push(this.#releaseCapacity(owner, at));
    // Assigned by hand away from someone who held it: their slot is free again.
    if (transition.capacity === 'move' && lead.ownerId && lead.status && isHeld(lead.status)) items.push(this.#releaseCapacity(lead.ownerId, at));

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
      items.push({ Put: { TableName: this.#table, Item: { ...eventItem(lead.id, entry), ...(expiresAt ? { expiresAt } : {}) } } });
    });

    const outbox = this.#outbox;
    if (effects.length > 0 && !outbox) throw new Error(`${name} has follow-up effects but this store has no outbox`);
    const recorded = outbox ? outbox.records(lead.id, effects, request.at, expiresAt) : { items: [], claimed: [] };
    for (const item of recorded.items) items.push({ Put: { TableName: this.#table, Item: item } });

    try {
      await this.#db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (isCancelledAt(error, 0)) throw new LeadStateConflict(`lead ${lead.id} cannot be ${transition.event} from its current state`, { cause: error });
      if (capacityIndex >= 0 && isCancelledAt(error, capacityIndex)) {
        throw new RepUnavailable(`rep ${request.rep!.id} is full, capped, inactive or unreachable`, { cause: error });
      }
      throw error;
    }
    if (outbox && recorded.claimed.length > 0) await outbox.performClaimed(recorded.claimed);
    return { lead: after, effects: [...recorded.claimed] };
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

  async #queryIndex(index: 'gsi1' | 'gsi2', key: string, value: string, limit: number): Promise<Lead[]> {
    const leads: Lead[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: index,
          KeyConditionExpression: `${key} = :value`,
          ExpressionAttributeValues: { ':value': value },
          Limit: limit - leads.length,
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) leads.push(toLead(item));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && leads.length < limit);
    return leads;
  }

  /**
   * The rep side of an offer or a claim: one open lead more, conditioned on capacity and caps.
   * Throws `RepUnavailable` before any write for a cap of zero, which leaves no room even in a
   * fresh period (no condition can say that about a counter not yet written).
   */
  #takeCapacity(repId: string, counters: CounterState, at: string, virtualTime?: number) {
    if (counters.dailyCap === 0 || counters.weeklyCap === 0) throw new RepUnavailable(`rep ${repId} takes no new leads this period`);
    const rep = repCounterUpdate(counters, at, virtualTime);
    return {
      Update: {
        TableName: this.#table,
        Key: repKey(repId),
        ConditionExpression: rep.condition,
        UpdateExpression: rep.update,
        ExpressionAttributeNames: rep.names,
        ExpressionAttributeValues: rep.values,
      },
    };
  }

  /**
   * The rep side of a pass, an expiry, a release or a close: one open lead fewer. Never a
   * condition that could stop the lead from moving on: a count that drifted (a lead expired by
   * TTL while held) is repaired by the sweeper's recount, not by holding the lead hostage.
   */
  #releaseCapacity(repId: string, at: string) {
    return {
      Update: {
        TableName: this.#table,
        Key: repKey(repId),
        ConditionExpression: 'attribute_exists(pk)',
        UpdateExpression: 'SET openLeads = openLeads - :one, loadChangedAt = :at',
        ExpressionAttributeValues: { ':one': 1, ':at': at },
      },
    };
  }
}
