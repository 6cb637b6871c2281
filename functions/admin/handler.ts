import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse, Context } from 'aws-lambda';
import { RosterCache } from '#shared/adapters/roster-cache.ts';
import { InvalidLead, LeadNotFound, MalformedRequest } from '#shared/domain/errors.ts';
import { readBody } from '#shared/http/request.ts';
import { requireAdmin } from '#shared/http/admin-auth.ts';
import { httpErrors } from '#shared/http/errors.ts';
import { refreshRouting } from '#shared/config/routing-source.ts';
import { logger, observed } from '#shared/observability.ts';
import { eraseLead } from '#shared/use-cases/erase-lead.ts';
import { importReps } from '#shared/use-cases/import-reps.ts';
import { disableRep, enableRep, updateRep } from '#shared/use-cases/manage-reps.ts';
import { simulateRouting } from '#shared/use-cases/simulate-routing.ts';
import { listTeamQueue } from '#shared/use-cases/team-queue.ts';
import { redriveDeadLetters } from '#shared/use-cases/redrive-dead-letters.ts';
import { recountLoads } from '#shared/use-cases/sweep.ts';
import { addSource, listSources, setSourceSecret, sourceSecret } from '#shared/use-cases/manage-sources.ts';
import { exportTerritories, importTerritories, territoriesHistory } from '#shared/use-cases/manage-territories.ts';
import { deployTerritories, isCustomResourceRequest } from './deploy-territories.ts';
import { adminKey, deadLetters, due, eraser, franchises, leads, manage, reps, routing, settings, sources } from './composition.ts';

/** A whole file of leads is fine to simulate; a crawl of the roster per lead is not. */
const MAX_SIMULATED_LEADS = 200;
/** Messages one redrive call moves at most; the CLI calls again until the DLQ is empty. */
const DEFAULT_REDRIVE = 100;
const MAX_REDRIVE = 1_000;

const json = (statusCode: number, body: unknown): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

async function getLead(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const leadId = event.pathParameters?.id ?? '';
  logger.appendKeys({ leadId });
  const lead = await leads.get(leadId);
  if (!lead) throw new LeadNotFound(leadId);
  // What its transitions left to be done, and how that went (never the emails' content).
  const effects = (await leads.effects(leadId)).map(({ id, purpose, status, attempts, createdAt, lastError, doneAt, rearms }) => ({
    id,
    purpose,
    status,
    attempts,
    createdAt,
    ...(doneAt ? { doneAt } : {}),
    ...(rearms ? { rearms } : {}),
    ...(lastError ? { lastError } : {}),
  }));
  return json(200, { lead, history: await leads.history(leadId), effects });
}

/** DELETE /leads/{id}: a privacy request. 204 once erased (or finished erasing), 404 when nothing was there. */
async function erase(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const leadId = event.pathParameters?.id ?? '';
  logger.appendKeys({ leadId });
  const report = await eraseLead(leadId, { eraser });
  // The audit trail of an erasure: counts and ids only, nothing about the person.
  logger.info('lead erased', { ...report });
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
}

/** GET /admin/teams/{teamId}/queue?limit=N: the team's waiting leads in the order they will be offered. */
async function teamQueue(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const teamId = event.pathParameters?.teamId ?? '';
  const limit = Number(event.queryStringParameters?.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) throw new MalformedRequest('"limit" must be a whole number of 1 or more');
  return json(200, await listTeamQueue(teamId, { leads, config: routing.current }, limit));
}

/**
 * POST /admin/reps: `{ "reps": [...] }`, up to 500; one result per row, so one bad row blocks
 * nothing. With `"update": true`, existing reps take the rows' admin fields.
 */
async function addReps(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const report = await importReps(readBody(event), { reps, config: routing.current, updates: manage });
  logger.info('reps imported', { created: report.created, updated: report.updated, exists: report.exists, invalid: report.invalid });
  return json(200, report);
}

const repIdOf = (event: APIGatewayProxyEventV2) => event.pathParameters?.repId ?? '';

/** PATCH /admin/reps/{repId}: an admin's change of name, email, team, capacity or maximum; 422 names each bad field. */
async function changeRep(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const report = await updateRep(repIdOf(event), readBody(event), manage);
  logger.info('rep updated', { repId: report.rep.id, changed: report.changed });
  return json(200, report);
}

/** POST /admin/reps/{repId}/disable: the rep is switched off, their sessions end, and the leads they hold move on. */
async function switchRepOff(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const report = await disableRep(repIdOf(event), manage);
  logger.info('rep switched off', { ...report });
  return json(200, report);
}

/** POST /admin/reps/{repId}/enable: the rep takes leads and signs in again. */
async function switchRepOn(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const report = await enableRep(repIdOf(event), manage);
  logger.info('rep switched on', { ...report });
  return json(200, report);
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

/** POST /admin/redrive `{ "max": 100 }`: routing messages back from the DLQ after a fix. */
async function redrive(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  const body = event.body ? readBody(event) : {};
  const max = typeof body === 'object' && body !== null && 'max' in body ? body.max : DEFAULT_REDRIVE;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_REDRIVE) {
    throw new MalformedRequest(`"max" must be a whole number from 1 to ${MAX_REDRIVE}`);
  }
  const report = await redriveDeadLetters(max, { deadLetters, timeLeft: () => context.getRemainingTimeInMillis() });
  logger.info('dead letters redriven', { ...report });
  return json(200, report);
}

/** POST /admin/recount: every rep's open-lead count set to the leads they hold (the sweeper does this every minute too). */
async function recount(): Promise<APIGatewayProxyResultV2> {
  const report = await recountLoads({ reps, due, settings: { ...settings, routing: routing.current }, now: () => new Date() });
  logger.info('rep loads recounted', { checked: report.checked, repaired: report.repaired.length, changing: report.changing.length });
  return json(200, report);
}

const sourceIdOf = (event: APIGatewayProxyEventV2) => event.pathParameters?.sourceId ?? '';

/** A gzipped territories file of 100,000 rows is well under a megabyte; Lambda takes at most 6 MB. */
const MAX_TERRITORIES_BODY_BYTES = 6 * 1024 * 1024;

/**
 * PUT /admin/territories `{ "csvGzip" | "csv", "dryRun"?, "expectedVersion"?, "changedBy"?, "note"? }`:
 * the whole file checked (422 names each bad row), the changes listed, and unless a dry run, the
 * next version stored (409 when another import came first).
 */
async function putTerritories(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const report = await importTerritories(readBody(event, MAX_TERRITORIES_BODY_BYTES), { store: franchises, config: settings.routing, now: () => new Date() });
  // This container's own simulations follow the new version at once, not after the next check.
  if (!report.dryRun) routing.forget();
  const { changes, ...counts } = report;
  logger.info(report.dryRun ? 'territories checked' : 'territories imported', counts);
  return json(200, report);
}

/** The admin routes of the stack (infra/lead-router-stack.ts), by API Gateway route key. */
const routes: Record<string, (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>> = {
  /** The lead with its whole history ("why did this lead go there?"). */
  'GET /leads/{id}': getLead,
  'DELETE /leads/{id}': erase,
  /** Who would get these leads now, and why, without assigning anything. */
  'POST /admin/simulate': simulate,
  'GET /admin/teams/{teamId}/queue': teamQueue,
  'POST /admin/reps': addReps,
  'PATCH /admin/reps/{repId}': changeRep,
  'POST /admin/reps/{repId}/disable': switchRepOff,
  'POST /admin/reps/{repId}/enable': switchRepOn,
  'POST /admin/redrive': redrive,
  'POST /admin/recount': recount,
  /** Lead sources: those of the stack config and those added since, with their webhook paths. */
  'GET /admin/sources': async () => json(200, { sources: await listSources(sources) }),
  'POST /admin/sources': async (event) => json(201, await addSource(readBody(event), sources)),
  /** The secret a signed or token source verifies with; PUT sets one a sender dictates. */
  'GET /admin/sources/{sourceId}/secret': async (event) => json(200, await sourceSecret(sourceIdOf(event), sources)),
  /** The franchisees and their territories: the current version as CSV, its history, and an import. */
  'GET /admin/territories': async () => json(200, await exportTerritories({ store: franchises })),
  'PUT /admin/territories': putTerritories,
  'GET /admin/territories/history': async () => json(200, await territoriesHistory({ store: franchises })),
  'PUT /admin/sources/{sourceId}/secret': async (event) => {
    await setSourceSecret(sourceIdOf(event), readBody(event), sources);
    return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
  },
};

/** Admin API: every route takes `Authorization: Bearer <admin key>`. */
const api = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(observed())
  .use(refreshRouting(routing))
  .use(httpErrors())
  .handler(async (event, context) => {
    requireAdmin(event.headers, adminKey);
    const route = routes[event.routeKey];
    if (!route) return json(404, { message: `No admin route ${event.routeKey}` });
    return route(event, context);
  });

/** A deploy's territories file (CloudFormation), answered at its response URL. */
const deploy = middy<CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse>()
  .use(observed())
  .handler(async (event) => {
    const result = await deployTerritories(event, { store: franchises, config: settings.routing, now: () => new Date(), codeDir: process.env.LAMBDA_TASK_ROOT ?? process.cwd() });
    routing.forget();
    return result;
  });

/** The HTTP API's requests, and CloudFormation's for the territories file. */
export const handler = (event: APIGatewayProxyEventV2 | CloudFormationCustomResourceEvent, context: Context) =>
  isCustomResourceRequest(event) ? deploy(event, context) : api(event, context);
