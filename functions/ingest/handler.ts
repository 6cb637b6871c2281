import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { LeadStore } from '#shared/adapters/lead-store.ts';
import { RoutingQueue } from '#shared/adapters/routing-queue.ts';
import { loadRoutingSettings, minutesToMs, requireEnv } from '#shared/config/runtime.ts';
import { httpErrors } from '#shared/http/errors.ts';
import { readBody } from '#shared/http/request.ts';
import { logger } from '#shared/observability.ts';
import { receiveLead, type ReceiveLeadDeps } from '#shared/use-cases/receive-lead.ts';

const settings = loadRoutingSettings();
const deps: ReceiveLeadDeps = {
  leads: new LeadStore(requireEnv('TABLE_NAME')),
  queue: new RoutingQueue(requireEnv('ROUTING_QUEUE_URL')),
  settings,
  now: () => new Date(),
  // Provisional until the router knows the tier: the strictest SLA, so nothing starts late.
  contactWithinMs: minutesToMs(settings.routing.tiers.hot.contactMinutes),
};

/** POST /leads: a landing page hands over a lead. 202 once it is stored and queued. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(httpErrors())
  .handler(async (event) => {
    const { leadId } = await receiveLead(readBody(event), deps);
    logger.info('lead received', { leadId });
    return {
      statusCode: 202,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ leadId }),
    };
  });
