import { leadStoreFor, repStoreFor } from '#shared/config/composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import { routingSourceFor } from '#shared/config/routing-source.ts';
import type { MarkRepUnreachableDeps } from '#shared/use-cases/mark-rep-unreachable.ts';

/** The feedback function's adapters, built once at cold start from its environment. */
const env = loadEnvironment('feedback');
/** The stack config's routing with the franchise map the table holds now (see refreshRouting). */
export const routing = routingSourceFor(env, env.STACK_CONFIG.routing);

export const deps: MarkRepUnreachableDeps = {
  // The manager's notice, recorded with the write that notes it and sent at once after it.
  reps: repStoreFor(env, ['email']),
  // Offers taken back from the bounced address go back to routing at once.
  leads: leadStoreFor(env, ['message']),
  get config() {
    return routing.current;
  },
  now: () => new Date(),
};
