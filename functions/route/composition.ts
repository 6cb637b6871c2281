import { RepStore } from '#shared/adapters/rep-store.ts';
import { RosterCache } from '#shared/adapters/roster-cache.ts';
import { RosterIndex } from '#shared/routing/roster-index.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { leadStoreFor } from '#shared/config/composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import { routingSourceFor } from '#shared/config/routing-source.ts';
import { minutesToMs } from '#shared/config/runtime.ts';
import { actionLinkBuilder } from '#shared/domain/link-token.ts';
import type { RouteLeadDeps } from '#shared/use-cases/route-lead.ts';
import type { TellOwnerDeps } from '#shared/use-cases/tell-owner-of-resubmission.ts';

/** The route function's adapters, built once at cold start from its environment. */
const env = loadEnvironment('route');
const settings = env.STACK_CONFIG;
const reps = new RepStore(env.TABLE_NAME);
/** The stack config's routing with the franchise map the table holds now (see refreshRouting). */
export const routing = routingSourceFor(env, settings.routing);

/** What routing a lead, draining a team queue and telling an owner of a resubmission use. */
export const deps: RouteLeadDeps & TellOwnerDeps = {
  // Offers, queue notices and invitations are sent and timers started at once, after their commit.
  leads: leadStoreFor(env, ['email', 'timer', 'message']),
  reps,
  // Per warm container: a team's roster is read whole once, then only what changed in it, at
  // most every few seconds, never once per lead; its routing index is changed with it rep by rep.
  roster: new RosterCache(reps, { view: (list) => new RosterIndex(list) }),
  get config() {
    return routing.current;
  },
  minutes: (minutes) => minutesToMs(minutes, env.TIME_SCALE),
  now: () => new Date(),
  actionUrl: actionLinkBuilder(await loadSecret(env.LINK_SIGNING_SECRET), env.PUBLIC_BASE_URL, settings.linkTtlHours),
};
