import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { DueIndex } from '#shared/adapters/due-index.ts';
import { RepStore } from '#shared/adapters/rep-store.ts';
import { EFFECT_RETRY_BUDGET_MINUTES, leadStoreFor } from '#shared/config/composition.ts';
import { loadRoutingSettings, minutesToMs, requireEnv } from '#shared/config/runtime.ts';
import { SWEEP_GRACE_MINUTES } from '#shared/domain/lifecycle.ts';
import { logger, observed } from '#shared/observability.ts';
import { sweep, type SweepDeps, type SweepReport } from '#shared/use-cases/sweep.ts';

const tableName = requireEnv('TABLE_NAME');
const deps: SweepDeps = {
  // It drives leads on through the same transitions as the timer and the router, and performs their follow-ups at once.
  leads: leadStoreFor(tableName, ['email', 'timer', 'message']),
  reps: new RepStore(tableName),
  due: new DueIndex(tableName),
  settings: loadRoutingSettings(),
  graceMs: minutesToMs(SWEEP_GRACE_MINUTES),
  retryBudgetMs: minutesToMs(EFFECT_RETRY_BUDGET_MINUTES),
  now: () => new Date(),
  note: (message, detail) => logger.warn(message, detail),
};

/** Every minute (a scheduled rule): leads nothing acts on are driven on, stuck effects re-armed, rep loads recounted. */
export const handler = middy<ScheduledEvent, SweepReport>()
  .use(observed())
  .handler(async () => {
    const report = await sweep(deps);
    logger.info('swept', { ...report });
    return report;
  });
