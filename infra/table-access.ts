import type { FunctionName } from '#shared/config/environment.ts';

/** The DynamoDB actions a function may be granted on the table's items. */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:Scan'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:BatchWriteItem'
  | 'dynamodb:ConditionCheckItem';

/** The table's global secondary indexes (infra/storage.ts). */
export type IndexName = 'gsi1' | 'gsi2' | 'gsi3' | 'gsi4';

export interface TableAccess {
  /**
   * Actions on the table itself. A transaction (TransactWriteItems) has no action of its own: IAM
   * authorises each of its items by the single-item action it is (PutItem, UpdateItem,
   * DeleteItem, ConditionCheckItem).
   */
  readonly table: readonly TableAction[];
  /** The indexes it queries (dynamodb:Query on each, nothing else). */
  readonly queries: readonly IndexName[];
}

/**
 * What each function's code calls on the table, traced from its handler and composition root
 * through the use cases to the adapters (shared/adapters): one reviewed list, granted as it is
 * by the stack and written out again, resource by resource, in test/infra/function-access.test.ts.
 * A function that starts calling something new fails on AWS until it is added here; the
 * fault-injection tests check every call the functions make locally against these grants.
 *
 * Calls every committing function makes: a lead transition (LeadTransitions.commit) is one
 * transaction of updates (the lead, a rep's load) and puts (history, effect records), and so is a
 * rep's account change with effects (the rep's update and the puts of its effect records); the
 * outbox claims, marks and releases effect records with single updates; `get`s read leads and reps.
 */
export const TABLE_ACCESS = {
  // Rate windows (update), idempotency records and sources (get), the contact pointers of one
  // person (batch get), the new lead with its pointers and routing or a resubmission (puts and
  // updates in a transaction).
  ingest: { table: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], queries: [] },
  // Transitions; a lead's history (what a resubmission said, for its owner); team rosters and
  // queues (gsi1); what changed in a held roster since (gsi4).
  route: { table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], queries: ['gsi1', 'gsi4'] },
  // Transitions; the franchise map's chunks (a query of one version's partition), for the teams it adds.
  actions: { table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], queries: [] },
  // Transitions; a lead's history (the escalation email tells it).
  escalate: { table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], queries: [] },
  // Sign-in (rate windows, spent tokens, and each link's cool-down with its email in a transaction),
  // profiles (each save with its queue drain in a transaction), transitions; a lead's history
  // (the details a resubmission brought, in My leads); team queues and rosters (gsi1), a rep's leads (gsi2).
  portal: { table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], queries: ['gsi1', 'gsi2'] },
  // A lead with its history and effects; erasure (the lead, its pointers, the owner's load and
  // the freed slot's drain in a transaction of deletes, an update and a put, then the history in
  // batches); switching a rep off (their held leads on gsi2 handed back by transitions) and on,
  // and an admin's change of a rep's team or capacity (the rep and its drain in a transaction, a
  // new address's pointers too); sources (the added ones by a filtered scan of a handful); team
  // queues and rosters (gsi1); recounts (held leads, gsi2).
  admin: {
    table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
    queries: ['gsi1', 'gsi2'],
  },
  // Rep import (puts of the rep and its address in a transaction; a rep reachable again with a
  // new address, its pointers and their team's drain in a transaction) and, with `update`, the
  // admin's changes and switches of existing reps (as admin's, held leads on gsi2); a franchise
  // map's versions (the pointer, a version's item and chunks in one transaction of puts; the
  // history, a query of the versions' partition).
  'admin-imports': {
    table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    queries: ['gsi2'],
  },
  // Reads only: team rosters (gsi1) and the franchise map's chunks (a query of one version's partition).
  'admin-simulate': { table: ['dynamodb:GetItem', 'dynamodb:Query'], queries: ['gsi1'] },
  // Marks the rep (an update), takes back their open offers (found on gsi2) by transitions, and
  // notes the manager's notice with its email (the rep's update and an effect record's put in a
  // transaction); the franchise map's chunks, for the manager of a franchisee's agent.
  feedback: { table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], queries: ['gsi2'] },
  // Claims and marks the effect records the stream delivers: single updates, nothing else.
  effects: { table: ['dynamodb:UpdateItem'], queries: [] },
  // What is due (gsi3); transitions and re-arms (a lead's effect with `swept` in its history, a
  // rep's alone); a lead's history (escalation emails); recounts (rosters on gsi1, held leads on gsi2).
  sweeper: { table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], queries: ['gsi1', 'gsi2', 'gsi3'] },
  // What ingest's intake does for a lead an ad platform announced (no rate windows): its
  // idempotency record and source (get), the person's contact pointers (batch get), the new
  // lead with its pointers and routing or a resubmission (puts and updates in a transaction),
  // the routing effect claimed and marked (updates).
  leadgen: { table: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], queries: [] },
} as const satisfies Record<FunctionName, TableAccess>;
