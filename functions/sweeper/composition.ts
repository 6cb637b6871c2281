import { DueIndex } from '#shared/adapters/due-index.ts';
import { RepStore } from '#shared/adapters/rep-store.ts';
import { EFFECT_RETRY_BUDGET_MINUTES, leadStoreFor, sweepGraceMs } from '#shared/config/composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import { routingSourceFor } from '#shared/config/routing-source.ts';
import { minutesToMs } from '#shared/config/runtime.ts';
import { logger } from '#shared/observability.ts';
import type { SweepDeps } from '#shared/use-cases/sweep.ts';

/** The sweeper's adapters, built once at cold start from its environment. */
const env = loadEnvironment('sweeper');
/** The stack config's routing with the franchise map the table holds now (see refreshRouting). */
export const routing = routingSourceFor(env, env.STACK_CONFIG.routing);

export const deps: SweepDeps = {
  // It drives leads on through the same transitions as the timer and the router, and performs their follow-ups at once.
  leads: leadStoreFor(env, ['email', 'timer', 'message']),
  reps: new RepStore(env.TABLE_NAME),
  due: new DueIndex(env.TABLE_NAME),
  get settings() {
    return { ...env.STACK_CONFIG, routing: routing.current };
  },
  graceMs: sweepGraceMs(env.TIME_SCALE),
  retryBudgetMs: minutesToMs(EFFECT_RETRY_BUDGET_MINUTES, env.TIME_SCALE),
  now: () => new Date(),
  note: (message, detail) => logger.warn(message, detail),
};
