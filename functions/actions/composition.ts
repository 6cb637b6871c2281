import { RepStore } from '#shared/adapters/rep-store.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { leadStoreFor } from '#shared/config/composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import { minutesToMs } from '#shared/config/runtime.ts';
import type { RespondToOfferDeps } from '#shared/use-cases/respond-to-offer.ts';

/** The actions function's adapters, built once at cold start from its environment. */
const env = loadEnvironment('actions');

/** Verifies the links in emails and signs the next steps' links. */
export const signingKey = await loadSecret(env.LINK_SIGNING_SECRET);

export const deps: RespondToOfferDeps = {
  // A pass sends the lead on and a claim starts its timer at once, after the commit.
  leads: leadStoreFor(env, ['timer', 'message']),
  reps: new RepStore(env.TABLE_NAME),
  config: env.STACK_CONFIG.routing,
  minutes: (minutes) => minutesToMs(minutes, env.TIME_SCALE),
  now: () => new Date(),
};
