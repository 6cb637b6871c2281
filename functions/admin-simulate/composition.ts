import { RepStore } from '#shared/adapters/rep-store.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import { routingSourceFor } from '#shared/config/routing-source.ts';

/** The routing simulator's adapters, built once at cold start from its environment: reads only. */
const env = loadEnvironment('admin-simulate');

/** The bearer key every admin route takes. */
export const adminKey = await loadSecret(env.ADMIN_API_KEY_SECRET);
/**
 * The stack config's routing joined with the franchise map the table holds now: its version
 * checked on every request (half a read unit, eventually consistent: a change shows within about
 * a second), so a simulation right after a territories import, another function's, routes by it.
 */
export const routing = routingSourceFor(env, env.STACK_CONFIG.routing, { refreshMs: 0 });
/** The teams' rosters, read as the router reads them. */
export const reps = new RepStore(env.TABLE_NAME);
