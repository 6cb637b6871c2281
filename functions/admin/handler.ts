import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { LeadNotFound, MalformedRequest } from '#shared/domain/errors.ts';
import { adminApi, json, type AdminRoute } from '#shared/http/admin-api.ts';
import { readBody } from '#shared/http/request.ts';
import { logger } from '#shared/observability.ts';
import { eraseLead } from '#shared/use-cases/erase-lead.ts';
import { disableRep, enableRep, updateRep } from '#shared/use-cases/manage-reps.ts';
import { listTeamQueue } from '#shared/use-cases/team-queue.ts';
import { redriveDeadLetters } from '#shared/use-cases/redrive-dead-letters.ts';
import { recountLoads } from '#shared/use-cases/sweep.ts';
import { addSource, listSources, setSourceSecret, sourceSecret } from '#shared/use-cases/manage-sources.ts';
import { adminKey, deadLetters, due, eraser, leads, manage, reps, routing, settings, sources } from './composition.ts';

/**
 * The admin API's day-to-day work on the running stack: a lead with its history, erasure, a rep's
 * changes and switches, team queues, lead sources, DLQ redrive and recounts. Bulk imports (reps,
 * territories) are the admin-imports function's, the routing simulator is admin-simulate's.
 */

/** Messages one redrive call moves at most; the CLI calls again until the DLQ is empty. */
const DEFAULT_REDRIVE = 100;
const MAX_REDRIVE = 1_000;

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

/** The admin routes of the stack (infra/lead-router-stack.ts), by API Gateway route key. */
const routes: Record<string, AdminRoute> = {
  /** The lead with its whole history ("why did this lead go there?"). */
  'GET /leads/{id}': getLead,
  'DELETE /leads/{id}': erase,
  'GET /admin/teams/{teamId}/queue': teamQueue,
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
  'PUT /admin/sources/{sourceId}/secret': async (event) => {
    await setSourceSecret(sourceIdOf(event), readBody(event), sources);
    return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
  },
};

/** Admin API: every route takes `Authorization: Bearer <admin key>`. */
export const handler = adminApi(routes, { adminKey, routing });
