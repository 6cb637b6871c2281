import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { MalformedRequest, MethodNotAllowed } from '#shared/domain/errors.ts';
import { httpErrors, statusFor } from '#shared/http/errors.ts';
import { deliveryOf, intakeErrorResponse, platformResponse, preflightResponse, receivedResponse } from '#shared/ingest/http-responses.ts';
import { isPlatformSource } from '#shared/ingest/source-config.ts';
import { recordReceived } from '#shared/metrics/lead-funnel.ts';
import { logger, observed } from '#shared/observability.ts';
import { receiveLead, sourceFor } from '#shared/use-cases/receive-lead.ts';
import { receivePlatformNotification } from '#shared/use-cases/receive-platform-notification.ts';
import { deps, platformDeps, sources } from './composition.ts';

/**
 * POST /leads and POST /sources/{sourceId}/leads: a landing page, form builder or partner hands
 * over a lead; 202 once it is stored and queued (or joined to the same person's recent lead).
 * OPTIONS answers a browser's CORS preflight for the source's allowed pages. An ad platform's
 * source (Facebook, LinkedIn) takes the platform's GET validation and its signed notifications,
 * answered 200 once each announced lead is queued to be fetched.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(observed())
  .use(httpErrors())
  .handler(async (event) => {
    const delivery = deliveryOf(event);
    try {
      const resolved = await sourceFor(delivery, sources);
      if (delivery.method === 'OPTIONS') return preflightResponse(resolved.source, delivery.headers.origin);
      const { source } = resolved;
      if (isPlatformSource(source)) {
        const answer = await receivePlatformNotification(delivery, { ...resolved, source }, platformDeps);
        logger.info(answer.kind === 'queued' ? 'platform notification queued' : 'platform validation answered', {
          source: source.id,
          ...(answer.kind === 'queued' ? { platformLeadIds: answer.leadIds } : {}),
        });
        return platformResponse(answer);
      }
      if (delivery.method === 'GET') throw new MethodNotAllowed(`GET is the validation of ad platform sources; post leads to the source "${source.id}"`);
      const received = await receiveLead(delivery, resolved, deps);
      if (!received.dropped) logger.appendKeys({ leadId: received.joinedLeadId ?? received.leadId });
      logger.info('lead received', {
        source: received.source.id,
        status: received.joinedLeadId ? 'joined' : received.status,
        ...(received.joinedLeadId ? { answeredAs: received.leadId } : {}),
        replayed: received.replayed ?? false,
        dropped: received.dropped ?? false,
      });
      recordReceived(received);
      return receivedResponse(received, delivery);
    } catch (error) {
      const status = statusFor(error);
      if (status >= 500) throw error;
      // The class and where the body breaks, never the message: it may quote the body.
      const position = error instanceof MalformedRequest && error.position !== undefined ? { position: error.position } : {};
      logger.info('lead rejected', { status, source: delivery.sourceId ?? '(default)', error: (error as Error).name, ...position });
      return intakeErrorResponse(status, error, delivery, sources.known(delivery.sourceId));
    }
  });
