import { RepStore } from '#shared/adapters/rep-store.ts';
import { leadStoreFor, mailerFromEnv } from '#shared/config/composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import type { MarkRepUnreachableDeps } from '#shared/use-cases/mark-rep-unreachable.ts';

/** The feedback function's adapters, built once at cold start from its environment. */
const env = loadEnvironment('feedback');

export const deps: MarkRepUnreachableDeps = {
  reps: new RepStore(env.TABLE_NAME),
  // Offers taken back from the bounced address go back to routing at once.
  leads: leadStoreFor(env, ['message']),
  // The manager's notice.
  mailer: mailerFromEnv(env),
  config: env.STACK_CONFIG.routing,
  now: () => new Date(),
};
