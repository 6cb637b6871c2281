import { AdminRepStore } from '../adapters/admin-rep-store.ts';
import { LeadStore } from '../adapters/lead-store.ts';
import { RepStore } from '../adapters/rep-store.ts';
import { storeParts, type EffectKind, type StoreEnvironment } from './outbox-composition.ts';

/**
 * The stores every function builds the same way at cold start, from its parsed environment
 * (shared/config/environment.ts), over the outbox of outbox-composition.ts: they record and
 * perform the effects of each lead's transition and each rep's account change. Each builder also
 * takes a table name instead of a parsed environment, and then reads the variables it needs from
 * `process.env`, through the same schema.
 */

export {
  EFFECT_RETRY_BUDGET_MINUTES,
  mailerFromEnv,
  outboxFor,
  performersFromEnv,
  routingQueueFromEnv,
  storeParts,
  sweepGraceMs,
  type EffectKind,
  type PerformerEnvironment,
  type StoreEnvironment,
} from './outbox-composition.ts';

/** A lead store whose transitions record their effects and perform at once those of `kinds`. */
export function leadStoreFor<K extends EffectKind>(source: string | NoInfer<StoreEnvironment<K>>, kinds: readonly K[]): LeadStore {
  const { tableName, outbox, sweepGraceMs } = storeParts(source, kinds);
  return new LeadStore(tableName, { outbox, sweepGraceMs });
}

/**
 * A rep store whose account changes (switched on, changed by an admin, a profile saved, a sign-in
 * link, a bounce's notice) record their effects and perform at once those of `kinds`.
 */
export function repStoreFor<K extends EffectKind>(source: string | NoInfer<StoreEnvironment<K>>, kinds: readonly K[]): RepStore {
  const { tableName, outbox } = storeParts(source, kinds);
  return new RepStore(tableName, { outbox });
}

/** The same, with the admin's writes (adding, switching and changing reps), for the admin's functions. */
export function adminRepStoreFor<K extends EffectKind>(source: string | NoInfer<StoreEnvironment<K>>, kinds: readonly K[]): AdminRepStore {
  const { tableName, outbox } = storeParts(source, kinds);
  return new AdminRepStore(tableName, { outbox });
}
