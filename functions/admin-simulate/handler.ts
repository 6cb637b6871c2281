import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { RosterCache } from '#shared/adapters/roster-cache.ts';
import { InvalidLead, MalformedRequest } from '#shared/domain/errors.ts';
import { adminApi, json } from '#shared/http/admin-api.ts';
import { readBody } from '#shared/http/request.ts';
import { simulateRouting } from '#shared/use-cases/simulate-routing.ts';
import { adminKey, reps, routing } from './composition.ts';

/**
 * The admin API's routing simulator: who would get these leads now, and why, without assigning
 * anything. A function of its own, which reads and never writes: the lead parsing it shares with
 * intake (phone numbers, countries) is the larger part of its code.
 */

/** A whole file of leads is fine to simulate; a crawl of the roster per lead is not. */
const MAX_SIMULATED_LEADS = 200;

/** `{ "lead": {...} }` or `{ "leads": [...] }`, each lead shaped like a webhook post. */
async function simulate(event: APIGatewayProxyEventV2) {
  const body = readBody(event);
  const many = typeof body === 'object' && body !== null && 'leads' in body ? body.leads : undefined;
  const one = typeof body === 'object' && body !== null && 'lead' in body ? body.lead : undefined;
  if (many === undefined && one === undefined) throw new MalformedRequest('Send { "lead": {...} } or { "leads": [...] }');
  if (many !== undefined && (!Array.isArray(many) || many.length > MAX_SIMULATED_LEADS)) {
    throw new MalformedRequest(`"leads" must be a list of at most ${MAX_SIMULATED_LEADS} leads`);
  }
  // One roster read per team for the whole request, like the router's cache (whole teams only:
  // a request is over long before a change read would be due).
  const roster = new RosterCache({ listTeam: (teamId) => reps.listTeam(teamId) }, { ttlMs: 60_000 });
  const deps = { config: routing.current, roster: (teamId: string) => roster.get(teamId), now: () => new Date() };
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

/** The route of the stack (infra/api.ts) this function answers. */
export const handler = adminApi({ 'POST /admin/simulate': simulate }, { adminKey, routing });
