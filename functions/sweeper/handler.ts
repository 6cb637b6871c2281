import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { refreshRouting } from '#shared/config/routing-source.ts';
import { logger, observed } from '#shared/observability.ts';
import { sweep, type SweepReport } from '#shared/use-cases/sweep.ts';
import { deps, routing } from './composition.ts';

/** Every minute (a scheduled rule): leads nothing acts on are driven on, stuck effects re-armed, rep loads recounted. */
export const handler = middy<ScheduledEvent, SweepReport>()
  .use(observed())
  .use(refreshRouting(routing))
  .handler(async () => {
    const report = await sweep(deps);
    logger.info('swept', { ...report });
    return report;
  });
