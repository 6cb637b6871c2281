import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { updateIf } from './conditional-update.ts';
import { randomBytes } from 'node:crypto';
import { LeadStateConflict, RepUnavailable } from '../domain/errors.ts';
import { LeadStatus, type Lead, type Tier } from '../domain/lead.ts';
import { dynamoDocument } from './aws-clients.ts';
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
  const sets = ['#openLeads = #openLeads + :one', '#lastOfferedAt = :at'];
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

/** How an offer is taken back before acceptance (a pass is the rep's own), as the lead's history records it. */
const takenBackBy = {
  /** The accept window passed. */
  expired: { kind: 'offer-expired', actor: 'sla-timer' },
  /** The offer email bounced or the rep complained: they never saw it. */
  undeliverable: { kind: 'offer-undeliverable', actor: 'ses-feedback' },
} as const;

function toLead(item: Record<string, unknown>): Lead {
  const { pk: _pk, sk: _sk, type: _type, expiresAt: _expiresAt, gsi1pk: _g1, gsi1sk: _g1s, gsi2pk: _g2, gsi2sk: _g2s, ...lead } = item;
  return lead as unknown as Lead;
}

const isCancelledAt = (error: unknown, index: number) =>
  error instanceof TransactionCanceledException && error.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed';

/**
 * Leads and their history in the stack's single table. Every state change is conditioned on
 * the state it was read in, so a redelivered message, a second router or a double click can
 * only ever win once; the loser gets `LeadStateConflict`.
 */
export class LeadStore {
  readonly #table: string;
  readonly #db: DynamoDBDocumentClient;

  constructor(tableName: string, db: DynamoDBDocumentClient = dynamoDocument) {
    this.#table = tableName;
    this.#db = db;
  }

  async create(lead: Lead, expiresAt: number): Promise<void> {
    await this.#db.send(new TransactWriteCommand({ TransactItems: newLeadItems(this.#table, lead, expiresAt) }));
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

  /**
   * Removes a just-created lead that could not be queued, together with its history, so the
   * client's retry does not leave an unrouted twin behind.
   */
  async discard(leadId: string): Promise<void> {
    const { Items = [] } = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `LEAD#${leadId}` },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      }),
    );
    if (Items.length === 0) return;
    await this.#db.send(
      new TransactWriteCommand({
        TransactItems: Items.map((item) => ({ Delete: { TableName: this.#table, Key: { pk: item.pk, sk: item.sk } } })),
      }),
    );
  }

  /**
   * Offers the lead to a rep in ONE transaction: the lead moves to OFFERED only if nobody moved
   * it since it was read, and the rep's open-lead count (and day and week counters) go up only
   * while the rep is active and under capacity and caps. Either both happen or neither, so
   * concurrent routers and redelivered messages can never double-assign a lead or overfill a rep.
   */
  async offer(lead: Lead, assignment: Assignment, now: Date, by: HandAssignment = {}): Promise<Lead> {
    const at = now.toISOString();
    const attempt = lead.attempt + 1;
    const { repId, counters } = assignment;
    const previousOwner = by.manager ? lead.ownerId : undefined;
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.#table,
                Key: leadKey(lead.id),
                ConditionExpression: '#status = :from AND attempt = :attempt',
                // Leaving the team queue: drop the queue index keys.
                // By hand the SLA restarts: the new owner gets the tier's full time from now.
                UpdateExpression: `SET #status = :to, ownerId = :rep, attempt = :next, offeredAt = :at, tier = :tier, score = :score, teamId = :team, contactDeadline = :deadline, gsi2pk = :owner, gsi2sk = :at${
                  by.manager ? ', slaStartedAt = :at' : ''
                } REMOVE gsi1pk, gsi1sk`,
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':owner': ownerIndexKey(repId),
                  ':from': lead.status,
                  ':to': LeadStatus.offered,
                  ':attempt': lead.attempt,
                  ':next': attempt,
                  ':rep': repId,
                  ':at': at,
                  ':tier': assignment.tier,
                  ':score': assignment.score,
                  ':team': assignment.teamId,
                  ':deadline': assignment.contactDeadline,
                },
              },
            },
            this.#takeCapacity(repId, counters, at, assignment.virtualTime),
            {
              Put: {
                TableName: this.#table,
                Item: eventItem(lead.id, {
                  at,
                  kind: by.manager ? 'assigned' : 'offered',
                  actor: by.manager ? `manager:${by.manager}` : 'router',
                  from: lead.status,
                  to: LeadStatus.offered,
                  detail: { ...assignment.detail, repId, attempt, ...(previousOwner ? { previousOwner } : {}) },
                }),
              },
            },
            // Assigned by hand away from someone: their slot is free again.
            ...(previousOwner ? [this.#releaseCapacity(previousOwner)] : []),
          ],
        }),
      );
    } catch (error) {
      if (isCancelledAt(error, 0)) throw new LeadStateConflict(`lead ${lead.id} changed before it could be offered`, { cause: error });
      if (isCancelledAt(error, 1)) throw new RepUnavailable(`rep ${repId} is full, capped, inactive or unreachable`, { cause: error });
      throw error;
    }
    return {
      ...lead,
      status: LeadStatus.offered,
      ownerId: repId,
      attempt,
      offeredAt: at,
      tier: assignment.tier,
      score: assignment.score,
      teamId: assignment.teamId,
      contactDeadline: assignment.contactDeadline,
    };
  }

  /**
   * Nobody can take the lead now: it waits in its team's queue, indexed so that the queue reads
   * hot before warm before cold, then oldest first.
   */
  async queue(lead: Lead, placement: Placement, now: Date): Promise<Lead> {
    const at = now.toISOString();
    await this.#transition(lead, LeadStatus.queued, { at, kind: 'queued', actor: 'router', detail: placement.detail }, {
      condition: '#status = :from AND attempt = :attempt',
      values: { ':from': lead.status, ':attempt': lead.attempt },
      set: {
        tier: placement.tier,
        score: placement.score,
        teamId: placement.teamId,
        contactDeadline: placement.contactDeadline,
        queuedAt: at,
        gsi1pk: teamQueueKey(placement.teamId),
        gsi1sk: teamQueueSortKey(placement.tier, lead),
      },
    });
    return {
      ...lead,
      status: LeadStatus.queued,
      tier: placement.tier,
      score: placement.score,
      teamId: placement.teamId,
      contactDeadline: placement.contactDeadline,
    };
  }

  /** A cold lead goes to marketing for nurturing instead of a rep. */
  async nurture(lead: Lead, placement: Omit<Placement, 'teamId' | 'contactDeadline'>, now: Date): Promise<Lead> {
    await this.#transition(lead, LeadStatus.nurture, { at: now.toISOString(), kind: 'nurture', actor: 'router', detail: placement.detail }, {
      condition: '#status = :from AND attempt = :attempt',
      values: { ':from': lead.status, ':attempt': lead.attempt },
      set: { tier: placement.tier, score: placement.score },
    });
    return { ...lead, status: LeadStatus.nurture, tier: placement.tier, score: placement.score };
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

  /**
   * Claims the team's "leads are waiting and nobody can take them" notice: at most one per team
   * per cool-down, so a burst of queued leads is one email to the manager, not hundreds.
   */
  async claimQueueNotice(teamId: string, now: Date, cooldownMs: number): Promise<boolean> {
    return updateIf(this.#db, {
      TableName: this.#table,
      Key: { pk: `TEAM#${teamId}`, sk: 'QUEUE-NOTICE' },
      UpdateExpression: 'SET noticeAt = :now',
      ConditionExpression: 'attribute_not_exists(noticeAt) OR noticeAt < :quietSince',
      ExpressionAttributeValues: { ':now': now.toISOString(), ':quietSince': new Date(now.getTime() - cooldownMs).toISOString() },
    });
  }

  /**
   * Claims the right to send this attempt's offer email and start its timer. Exactly one of
   * several concurrent deliveries gets it; a claim older than `leaseMs` (its holder crashed)
   * can be taken over by a later redelivery.
   */
  async claimNotification(leadId: string, attempt: number, now: Date, leaseMs: number): Promise<boolean> {
    return updateIf(this.#db, {
      TableName: this.#table,
      Key: leadKey(leadId),
      UpdateExpression: 'SET notifyClaimAttempt = :attempt, notifyClaimedAt = :now',
      ConditionExpression:
        'attempt = :attempt AND (attribute_not_exists(notifiedAttempt) OR notifiedAttempt < :attempt) AND ' +
        '(attribute_not_exists(notifyClaimAttempt) OR notifyClaimAttempt < :attempt OR notifyClaimedAt < :staleBefore)',
      ExpressionAttributeValues: {
        ':attempt': attempt,
        ':now': now.toISOString(),
        ':staleBefore': new Date(now.getTime() - leaseMs).toISOString(),
      },
    });
  }

  /** The offer's email went out and its timer runs; a redelivery must not repeat them. */
  async markNotified(leadId: string, attempt: number): Promise<void> {
    // False when the lead moved on to a newer attempt meanwhile: nothing to mark then.
    await updateIf(this.#db, {
      TableName: this.#table,
      Key: leadKey(leadId),
      UpdateExpression: 'SET notifiedAttempt = :attempt',
      ConditionExpression: 'attempt = :attempt',
      ExpressionAttributeValues: { ':attempt': attempt },
    });
  }

  async accept(leadId: string, repId: string, attempt: number, now: Date): Promise<void> {
    await this.#transition({ id: leadId }, LeadStatus.accepted, { at: now.toISOString(), kind: 'accepted', actor: `rep:${repId}`, from: LeadStatus.offered }, {
      condition: '#status = :from AND ownerId = :rep AND attempt = :attempt',
      values: { ':from': LeadStatus.offered, ':rep': repId, ':attempt': attempt },
      set: { acceptedAt: now.toISOString() },
    });
  }

  async markContacted(leadId: string, repId: string, attempt: number, now: Date): Promise<void> {
    await this.#transition({ id: leadId }, LeadStatus.contacted, { at: now.toISOString(), kind: 'contacted', actor: `rep:${repId}` }, {
      condition: '#status IN (:offered, :accepted) AND ownerId = :rep AND attempt = :attempt',
      values: { ':offered': LeadStatus.offered, ':accepted': LeadStatus.accepted, ':rep': repId, ':attempt': attempt },
      set: { contactedAt: now.toISOString() },
    });
  }

  /** The rep closes the lead, won or lost: their capacity is free again, in the same transaction. */
  async close(leadId: string, repId: string, attempt: number, now: Date, outcome: 'won' | 'lost'): Promise<void> {
    const at = now.toISOString();
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.#table,
                Key: leadKey(leadId),
                ConditionExpression: '#status IN (:accepted, :contacted) AND ownerId = :rep AND attempt = :attempt',
                UpdateExpression: 'SET #status = :to, outcome = :outcome, closedAt = :at REMOVE gsi2pk, gsi2sk',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':accepted': LeadStatus.accepted,
                  ':contacted': LeadStatus.contacted,
                  ':to': LeadStatus.closed,
                  ':rep': repId,
                  ':attempt': attempt,
                  ':outcome': outcome,
                  ':at': at,
                },
              },
            },
            this.#releaseCapacity(repId),
            { Put: { TableName: this.#table, Item: eventItem(leadId, { at, kind: 'closed', actor: `rep:${repId}`, to: LeadStatus.closed, detail: { outcome } }) } },
          ],
        }),
      );
    } catch (error) {
      if (isCancelledAt(error, 0)) throw new LeadStateConflict(`lead ${leadId} cannot be closed by ${repId} now`, { cause: error });
      throw error;
    }
  }

  /**
   * The rep passes, or let the accept window run out (`expired`): the lead goes back to RECEIVED
   * for the router, the rep is never offered it again, and the rep's capacity is released, all
   * in one transaction.
   */
  async reject(leadId: string, repId: string, attempt: number, now: Date, reason?: string, how: 'rejected' | keyof typeof takenBackBy = 'rejected'): Promise<void> {
    await this.#giveBack(leadId, repId, attempt, now, {
      from: LeadStatus.offered,
      ...(how === 'rejected' ? { kind: 'rejected', actor: `rep:${repId}` } : takenBackBy[how]),
      detail: reason ? { attempt, reason } : { attempt },
    });
  }

  /**
   * The contact deadline passed and the team reassigns such leads: the owner loses it (offered
   * or accepted, not contacted) exactly as if they had passed, and the SLA starts afresh for
   * the next rep from now.
   */
  async reassign(leadId: string, repId: string, attempt: number, from: LeadStatus, now: Date): Promise<void> {
    await this.#giveBack(leadId, repId, attempt, now, {
      from,
      kind: 'reassigned',
      actor: 'sla-timer',
      detail: { attempt, reason: 'not contacted by the deadline', previousOwner: repId },
      restartSla: true,
    });
  }

  /** The owner hands a lead back from the portal (offered or accepted, not yet contacted): like a pass. */
  async release(leadId: string, repId: string, attempt: number, from: LeadStatus, now: Date): Promise<void> {
    await this.#giveBack(leadId, repId, attempt, now, { from, kind: 'released', actor: `rep:${repId}`, detail: { attempt } });
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
   * A rep claims a lead waiting in the team queue (one opened to the team, or the next one
   * they pull): the lead becomes theirs, accepted, in the same transaction that counts it
   * against their capacity and caps. Of many reps claiming at once exactly one wins; the others
   * get `LeadStateConflict`, and a rep without room `RepUnavailable`.
   */
  async claim(lead: Pick<Lead, 'id' | 'attempt'>, repId: string, counters: CounterState, now: Date): Promise<Lead> {
    const at = now.toISOString();
    const attempt = lead.attempt + 1;
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.#table,
                Key: leadKey(lead.id),
                ConditionExpression: '#status = :from AND attempt = :attempt',
                // Accepted by claiming: no offer email to send, so the attempt counts as notified.
                UpdateExpression:
                  'SET #status = :to, ownerId = :rep, attempt = :next, offeredAt = :at, acceptedAt = :at, notifiedAttempt = :next, gsi2pk = :owner, gsi2sk = :at REMOVE gsi1pk, gsi1sk',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':owner': ownerIndexKey(repId), ':from': LeadStatus.queued, ':to': LeadStatus.accepted, ':attempt': lead.attempt, ':next': attempt, ':rep': repId, ':at': at },
              },
            },
            this.#takeCapacity(repId, counters, at),
            {
              Put: {
                TableName: this.#table,
                Item: eventItem(lead.id, { at, kind: 'claimed', actor: `rep:${repId}`, from: LeadStatus.queued, to: LeadStatus.accepted, detail: { repId, attempt } }),
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (isCancelledAt(error, 0)) throw new LeadStateConflict(`lead ${lead.id} is no longer waiting in the queue`, { cause: error });
      if (isCancelledAt(error, 1)) throw new RepUnavailable(`rep ${repId} is full, capped, inactive or unreachable`, { cause: error });
      throw error;
    }
    const claimed = await this.get(lead.id);
    if (!claimed) throw new LeadStateConflict(`lead ${lead.id} disappeared after it was claimed`);
    return claimed;
  }

  /** Claims the one reminder of this attempt for its owner; false when sent already or the lead moved on. */
  async claimReminder(leadId: string, attempt: number, now: Date): Promise<boolean> {
    return this.#claimOnce(leadId, attempt, now, 'remindedAttempt', 'reminded', '#status IN (:offered, :accepted)', {
      ':offered': LeadStatus.offered,
      ':accepted': LeadStatus.accepted,
    });
  }

  /** Claims opening this queued lead to the team, once per attempt; the history names who was asked. */
  async claimOpening(leadId: string, attempt: number, now: Date, repIds: readonly string[]): Promise<boolean> {
    return this.#claimOnce(leadId, attempt, now, 'openedAttempt', 'opened-to-team', '#status = :queued', { ':queued': LeadStatus.queued }, { repIds });
  }

  /** Sets `field` to the attempt and records the event, only if not yet done for this attempt. */
  async #claimOnce(
    leadId: string,
    attempt: number,
    now: Date,
    field: 'remindedAttempt' | 'openedAttempt',
    kind: string,
    statusCondition: string,
    statusValues: Record<string, unknown>,
    detail: Record<string, unknown> = {},
  ): Promise<boolean> {
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.#table,
                Key: leadKey(leadId),
                ConditionExpression: `attempt = :attempt AND ${statusCondition} AND (attribute_not_exists(#field) OR #field < :attempt)`,
                UpdateExpression: 'SET #field = :attempt',
                ExpressionAttributeNames: { '#status': 'status', '#field': field },
                ExpressionAttributeValues: { ':attempt': attempt, ...statusValues },
              },
            },
            { Put: { TableName: this.#table, Item: eventItem(leadId, { at: now.toISOString(), kind, actor: 'sla-timer', detail: { attempt, ...detail } }) } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isCancelledAt(error, 0)) return false;
      throw error;
    }
  }

  /** Records that the deadline escalation for this attempt went out (at most once per attempt). */
  async markEscalated(leadId: string, attempt: number, now: Date, detail: Record<string, unknown>): Promise<void> {
    await this.#db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.#table,
              Key: leadKey(leadId),
              ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(escalatedAttempt) OR escalatedAttempt < :attempt)',
              UpdateExpression: 'SET escalatedAttempt = :attempt',
              ExpressionAttributeValues: { ':attempt': attempt },
            },
          },
          { Put: { TableName: this.#table, Item: eventItem(leadId, { at: now.toISOString(), kind: 'escalated', actor: 'sla-timer', detail }) } },
        ],
      }),
    ).catch((error: unknown) => {
      if (isCancelledAt(error, 0)) throw new LeadStateConflict(`lead ${leadId} was already escalated`, { cause: error });
      throw error;
    });
  }

  /** The owner loses the lead back to routing, excluded from it from now on, with their capacity released. */
  async #giveBack(
    leadId: string,
    repId: string,
    attempt: number,
    now: Date,
    how: { from: LeadStatus; kind: string; actor: string; detail: Record<string, unknown>; restartSla?: boolean },
  ): Promise<void> {
    const at = now.toISOString();
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.#table,
                Key: leadKey(leadId),
                ConditionExpression: '#status = :from AND ownerId = :rep AND attempt = :attempt',
                // A missed deadline also lands on `missedBy`: such a rep is not invited to claim the lead back.
                UpdateExpression: `SET #status = :to, excludedReps = list_append(if_not_exists(excludedReps, :none), :reps)${
                  how.restartSla ? ', slaStartedAt = :at, missedBy = list_append(if_not_exists(missedBy, :none), :reps)' : ''
                } REMOVE ownerId, gsi2pk, gsi2sk`,
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':from': how.from,
                  ':to': LeadStatus.received,
                  ':rep': repId,
                  ':attempt': attempt,
                  ':none': [],
                  ':reps': [repId],
                  ...(how.restartSla ? { ':at': at } : {}),
                },
              },
            },
            this.#releaseCapacity(repId),
            { Put: { TableName: this.#table, Item: eventItem(leadId, { at, kind: how.kind, actor: how.actor, from: how.from, to: LeadStatus.received, detail: how.detail }) } },
          ],
        }),
      );
    } catch (error) {
      if (isCancelledAt(error, 0)) throw new LeadStateConflict(`lead ${leadId} is no longer with ${repId} in attempt ${attempt}`, { cause: error });
      throw error;
    }
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

  /** The rep side of a pass, an expiry or a close: one open lead fewer, never below zero. */
  #releaseCapacity(repId: string) {
    return {
      Update: {
        TableName: this.#table,
        Key: repKey(repId),
        ConditionExpression: 'openLeads > :zero',
        UpdateExpression: 'SET openLeads = openLeads - :one',
        ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
      },
    };
  }

  async #transition(
    lead: Pick<Lead, 'id'>,
    to: LeadStatus,
    event: LeadEvent,
    options: { condition: string; values: Record<string, unknown>; set?: Record<string, unknown> },
  ): Promise<void> {
    const setEntries = Object.entries(options.set ?? {});
    const setValues = Object.fromEntries(setEntries.map(([key, value]) => [`:set_${key}`, value]));
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.#table,
                Key: leadKey(lead.id),
                ConditionExpression: options.condition,
                UpdateExpression: ['SET #status = :to', ...setEntries.map(([key]) => `${key} = :set_${key}`)].join(', '),
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ...options.values, ...setValues, ':to': to },
              },
            },
            { Put: { TableName: this.#table, Item: eventItem(lead.id, { ...event, to }) } },
          ],
        }),
      );
    } catch (error) {
      if (isCancelledAt(error, 0)) throw new LeadStateConflict(`lead ${lead.id} cannot move to ${to} from its current state`, { cause: error });
      throw error;
    }
  }
}
