import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { RepDisabled } from '#shared/domain/errors.ts';
import { signLink, verifyLink } from '#shared/domain/link-token.ts';
import { httpErrors } from '#shared/http/errors.ts';
import { recordAnswered } from '#shared/metrics/lead-funnel.ts';
import { refreshRouting } from '#shared/config/routing-source.ts';
import { logger, observed } from '#shared/observability.ts';
import { respondToOffer, viewOffer } from '#shared/use-cases/respond-to-offer.ts';
import { confirmPage, donePage, errorPage, fullPage, stalePage, switchedOffPage } from '#shared/views/action-pages.ts';
import { deps, routing, signingKey } from './composition.ts';

function formReason(event: APIGatewayProxyEventV2): string | undefined {
  if (!event.body) return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const reason = new URLSearchParams(text).get('reason')?.trim().slice(0, 500);
  return reason || undefined;
}

/**
 * GET|HEAD /a/{token}: a confirmation page (opening a link changes nothing).
 * POST /a/{token}: performs the one action the signed link allows, once.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(observed())
  .use(refreshRouting(routing))
  .use(httpErrors((status, error) => (error instanceof RepDisabled ? switchedOffPage() : errorPage(status))))
  .handler(async (event) => {
    const claims = verifyLink(signingKey, event.pathParameters?.token ?? '', new Date());
    logger.appendKeys({ leadId: claims.leadId });

    if (event.requestContext.http.method !== 'POST') {
      const view = await viewOffer(claims, deps);
      return view.state === 'actionable' ? confirmPage(claims.action, view.lead, view.rep?.timeZone) : stalePage(view.lead, claims.repId, claims.action);
    }

    const result = await respondToOffer(claims, deps, claims.action === 'reject' ? formReason(event) : undefined);
    logger.info('offer answered', { action: claims.action, repId: claims.repId, state: result.state });
    if (result.state === 'done') recordAnswered(claims.action, result.lead);
    if (result.state === 'stale') return stalePage(result.lead, claims.repId, claims.action);
    if (result.state === 'full') return fullPage(result.lead);
    // Next steps for the same lead, as relative links signed for this rep and the lead's current
    // attempt (a claim starts a new one).
    const next = (action: 'contacted' | 'won' | 'lost') => signLink(signingKey, { ...claims, attempt: result.lead.attempt, action });
    const links =
      claims.action === 'accept' || claims.action === 'claim'
        ? { contacted: next('contacted'), won: next('won'), lost: next('lost') }
        : claims.action === 'contacted'
          ? { won: next('won'), lost: next('lost') }
          : {};
    return donePage(claims.action, result.lead, links);
  });
