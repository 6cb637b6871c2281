import { FranchiseStore } from '#shared/adapters/franchise-store.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { adminRepStoreFor, leadStoreFor } from '#shared/config/composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import { routingSourceFor } from '#shared/config/routing-source.ts';
import type { ManageRepsDeps } from '#shared/use-cases/manage-reps.ts';

/** The admin imports function's adapters, built once at cold start from its environment. */
const env = loadEnvironment('admin-imports');

/** The bearer key every admin route takes. */
export const adminKey = await loadSecret(env.ADMIN_API_KEY_SECRET);
/** The stack config as deployed; `routing.current` adds the franchise map the table holds now. */
export const settings = env.STACK_CONFIG;
export const routing = routingSourceFor(env, settings.routing);
// A rep switched off by an import with `update` releases their leads, whose routing is sent at once after the commit.
export const leads = leadStoreFor(env, ['message']);
// Reps imported reachable again, switched on or moved have their team queue offered again,
// recorded with the write and sent at once after it.
export const reps = adminRepStoreFor(env, ['message']);
/** The franchise map's versions: what `territories import` stores and `routing` reads. */
export const franchises = new FranchiseStore(env.TABLE_NAME);
/** What an import with `update` changes existing reps through. */
export const manage: ManageRepsDeps = {
  reps,
  leads,
  get config() {
    return routing.current;
  },
  now: () => new Date(),
};
