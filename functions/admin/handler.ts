import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { LeadStore } from '#shared/adapters/lead-store.ts';
import { RepStore } from '#shared/adapters/rep-store.ts';
import { RosterCache } from '#shared/adapters/roster-cache.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { loadRoutingSettings, requireEnv } from '#shared/config/runtime.ts';
import { InvalidLead, LeadNotFound, MalformedRequest } from '#shared/domain/errors.ts';
import { readBody } from '#shared/http/request.ts';
import { simulateRouting } from '#shared/use-cases/simulate-routing.ts';
import { requireAdmin } from '#shared/http/admin-auth.ts';
import { httpErrors } from '#shared/http/errors.ts';
import { logger } from '#shared/observability.ts';

const tableName = requireEnv('TABLE_NAME');
const adminKey = await loadSecret(requireEnv('ADMIN_API_KEY_SECRET'));
const leads = new LeadStore(tableName);
const reps = new RepStore(tableName);
const settings = loadRoutingSettings();

/** A whole file of leads is fine to simulate; a crawl of the roster per lead is not. */
const MAX_SIMULATED_LEADS = 200;

const json = (statusCode: number, body: unknown): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

async function getLead(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const leadId = event.pathParameters?.id ?? '';
  const lead = await leads.get(leadId);
  if (!lead) throw new LeadNotFound(leadId);
  return json(200, { lead, history: await leads.history(leadId) });
}

/** `{ "lead": {...} }` or `{ "leads": [...] }`, each lead shaped like a webhook post. */
async function simulate(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const body = readBody(event);
  const many = typeof body === 'object' && body !== null && 'leads' in body ? body.leads : undefined;
  const one = typeof body === 'object' && body !== null && 'lead' in body ? body.lead : undefined;
  if (many === undefined && one === undefined) throw new MalformedRequest('Send { "lead": {...} } or { "leads": [...] }');
  if (many !== undefined && (!Array.isArray(many) || many.length > MAX_SIMULATED_LEADS)) {
    throw new MalformedRequest(`"leads" must be a list of at most ${MAX_SIMULATED_LEADS} leads`);
  }
  // One roster read per team for the whole request, like the router's cache.
  const roster = new RosterCache((teamId) => reps.listTeam(teamId), 60_000);
  const deps = { config: settings.routing, roster: (teamId: string) => roster.get(teamId), now: () => new Date() };
  if (one !== undefined) return json(200, await simulateRouting(one, deps));
  const results = [];
  for (const [index, lead] of (many as unknown[]).entries()) {
    try {
      results.push({ index, ...(await simulateRouting(lead, deps)) });
    } catch (error) {
      if (!(error instanceof InvalidLead)) throw error;
      results.push({ index, error: 'Invalid lead', errors: error.problems });
    }
  }
  return json(200, { results });
}

/**
 * GET /leads/{id}: the lead with its whole history ("why did this lead go there?").
 * POST /admin/simulate: who would get these leads now, and why, without assigning anything.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(httpErrors())
  .handler(async (event) => {
    requireAdmin(event.headers, adminKey);
    return event.routeKey === 'POST /admin/simulate' ? simulate(event) : getLead(event);
  });
