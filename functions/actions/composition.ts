import { RepStore } from '#shared/adapters/rep-store.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { leadStoreFor } from '#shared/config/composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import { routingSourceFor } from '#shared/config/routing-source.ts';
import { minutesToMs } from '#shared/config/runtime.ts';
import type { RespondToOfferDeps } from '#shared/use-cases/respond-to-offer.ts';

/** The actions function's adapters, built once at cold start from its environment. */
const env = loadEnvironment('actions');
/** The stack config's routing with the franchise map the table holds now (see refreshRouting). */
export const routing = routingSourceFor(env, env.STACK_CONFIG.routing);

/** Verifies the links in emails and signs the next steps' links. */
export const signingKey = await loadSecret(env.LINK_SIGNING_SECRET);

export const deps: RespondToOfferDeps = {
  // A pass sends the lead on and a claim starts its timer at once, after the commit.
  leads: leadStoreFor(env, ['timer', 'message']),
  reps: new RepStore(env.TABLE_NAME),
  get config() {
    return routing.current;
  },
  minutes: (minutes) => minutesToMs(minutes, env.TIME_SCALE),
  now: () => new Date(),
};
