import { FranchiseStore } from '#shared/adapters/franchise-store.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { repManagementFor } from '#shared/config/admin-composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';

/** The admin imports function's adapters, built once at cold start from its environment. */
const env = loadEnvironment('admin-imports');

/** The bearer key every admin route takes. */
export const adminKey = await loadSecret(env.ADMIN_API_KEY_SECRET);
/** The stack config as deployed; `routing.current` adds the franchise map the table holds now. */
export const settings = env.STACK_CONFIG;
// Imported reps, and an import with `update` changing existing ones (`manage`).
export const { routing, leads, reps, manage } = repManagementFor(env, settings.routing);
/** The franchise map's versions: what `territories import` stores and `routing` reads. */
export const franchises = new FranchiseStore(env.TABLE_NAME);
