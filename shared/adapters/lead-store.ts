import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lead } from '../domain/lead.ts';
import type { TransitionName } from '../domain/lifecycle.ts';
import { LeadQueries, type StoredEffectRecord } from './lead-queries.ts';
import { LeadTransitions, type Committed, type TransitionRequest } from './lead-transitions.ts';
import type { Outbox } from './outbox.ts';
import { resolveStoreOptions, type StoreOptions } from './store-options.ts';
import type { LeadEvent } from './table-items.ts';

export { afterTaking, countersFor, type CounterState } from './rep-capacity.ts';
export type { Assignment, Committed, HandAssignment, Placement, TransitionRequest } from './lead-transitions.ts';
export type { StoredEffectRecord } from './lead-queries.ts';
export { eventItem, leadKey, newLeadItems, ownerIndexKey, teamQueueKey, type LeadEvent } from './table-items.ts';

export type LeadStoreOptions = StoreOptions;

/**
 * Leads and their history in the stack's single table: the reads of `LeadQueries`, and every
 * change of a lead as a transition of the lifecycle table, committed by `LeadTransitions` as one
 * transaction with the rep's capacity, the history and the outbox records of its effects.
 */
export class LeadStore {
  readonly #queries: LeadQueries;
  readonly #transitions: LeadTransitions;
  readonly #outbox: Outbox | undefined;

  constructor(tableName: string, options: LeadStoreOptions | DynamoDBDocumentClient = {}) {
    const { db, outbox, graceMs } = resolveStoreOptions(options);
    this.#queries = new LeadQueries(tableName, db);
    this.#transitions = new LeadTransitions(tableName, db, outbox, graceMs);
    this.#outbox = outbox;
  }

  get outbox(): Outbox | undefined {
    return this.#outbox;
  }

  get(leadId: string): Promise<Lead | undefined> {
    return this.#queries.get(leadId);
  }

  history(leadId: string): Promise<LeadEvent[]> {
    return this.#queries.history(leadId);
  }

  /** The lead's effect records, oldest first: what its transitions left to be done, and how that went. */
  effects(leadId: string): Promise<StoredEffectRecord[]> {
    return this.#queries.effects(leadId);
  }

  /** See `LeadTransitions.commit`: throws `LeadStateConflict` when the lead moved on, `RepUnavailable` when the rep has no room. */
  commit(name: TransitionName, request: TransitionRequest): Promise<Committed> {
    return this.#transitions.commit(name, request);
  }

  /** Ids of the leads waiting in a team's queue, in the order they should be offered. */
  teamQueue(teamId: string, limit = 25): Promise<string[]> {
    return this.#queries.teamQueue(teamId, limit);
  }

  /** A rep's open leads (offered, accepted or contacted), oldest offer first. Index reads may lag a moment. */
  ownerLeads(repId: string): Promise<Lead[]> {
    return this.#queries.ownerLeads(repId);
  }

  /** The leads waiting in a team's queue, hot before warm before cold, then oldest first. */
  teamQueueLeads(teamId: string, limit = 50): Promise<Lead[]> {
    return this.#queries.teamQueueLeads(teamId, limit);
  }
}
