import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger, observed } from '#shared/observability.ts';
import { sweep, type SweepReport } from '#shared/use-cases/sweep.ts';
import { deps } from './composition.ts';

/** Every minute (a scheduled rule): leads nothing acts on are driven on, stuck effects re-armed, rep loads recounted. */
export const handler = middy<ScheduledEvent, SweepReport>()
  .use(observed())
  .handler(async () => {
    const report = await sweep(deps);
    logger.info('swept', { ...report });
    return report;
  });
