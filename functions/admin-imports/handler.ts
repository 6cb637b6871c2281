import middy from '@middy/core';
import type { APIGatewayProxyEventV2, CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse, Context } from 'aws-lambda';
import { adminApi, json, type AdminRoute } from '#shared/http/admin-api.ts';
import { readBody } from '#shared/http/request.ts';
import { logger, observed } from '#shared/observability.ts';
import { importReps } from '#shared/use-cases/import-reps.ts';
import { exportTerritories, importTerritories, territoriesHistory } from '#shared/use-cases/manage-territories.ts';
import { adminKey, franchises, manage, reps, routing, settings } from './composition.ts';
import { deployTerritories, isCustomResourceRequest } from './deploy-territories.ts';

/**
 * The admin API's imports: reps in bulk (`npm run admin -- import-reps` posts a CSV's rows), a
 * franchise map's territories (import, export, history), and a deploy's territories file. Apart
 * from the admin function: the CSV parser, the franchise map's packing and diff, and publishing
 * are these routes' alone.
 */

/**
 * POST /admin/reps: `{ "reps": [...] }`, up to 500; one result per row, so one bad row blocks
 * nothing. With `"update": true`, existing reps take the rows' admin fields.
 */
async function addReps(event: APIGatewayProxyEventV2) {
  const report = await importReps(readBody(event), { reps, config: routing.current, updates: manage });
  logger.info('reps imported', { created: report.created, updated: report.updated, exists: report.exists, invalid: report.invalid });
  return json(200, report);
}

/** A gzipped territories file of 100,000 rows is well under a megabyte; Lambda takes at most 6 MB. */
const MAX_TERRITORIES_BODY_BYTES = 6 * 1024 * 1024;

/**
 * PUT /admin/territories `{ "csvGzip" | "csv", "dryRun"?, "expectedVersion"?, "changedBy"?, "note"? }`:
 * the whole file checked (422 names each bad row), the changes listed, and unless a dry run, the
 * next version stored (409 when another import came first).
 */
async function putTerritories(event: APIGatewayProxyEventV2) {
  const report = await importTerritories(readBody(event, MAX_TERRITORIES_BODY_BYTES), { store: franchises, config: settings.routing, now: () => new Date() });
  // This container's own imports of reps follow the new version at once, not after the next check.
  if (!report.dryRun) routing.forget();
  const { changes, ...counts } = report;
  logger.info(report.dryRun ? 'territories checked' : 'territories imported', counts);
  return json(200, report);
}

/** The routes of the stack (infra/api.ts) this function answers, by API Gateway route key. */
const routes: Record<string, AdminRoute> = {
  'POST /admin/reps': addReps,
  /** The franchisees and their territories: the current version as CSV, its history, and an import. */
  'GET /admin/territories': async () => json(200, await exportTerritories({ store: franchises })),
  'PUT /admin/territories': putTerritories,
  'GET /admin/territories/history': async () => json(200, await territoriesHistory({ store: franchises })),
};

const api = adminApi(routes, { adminKey, routing });

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
