import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from '../../shared/zod.ts';
import { loggableError, logger } from '#shared/observability.ts';
import { importTerritories, type ManageTerritoriesDeps } from '#shared/use-cases/manage-territories.ts';

/**
 * The deploy's side of a stack config's `routing.territoriesFile`: CloudFormation sends the
 * custom resource `Custom::FranchiseTerritories` (infra/lead-router-stack.ts) on the first
 * deploy and whenever the file's hash changes, and the file rides in this function's bundle. It
 * is checked and stored exactly as `territories import` would; a bad file fails the deploy with
 * its rows' problems, and the stack rolls back. Removing the resource leaves the data in place.
 */

const TerritoriesResource = z.looseObject({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  ResponseURL: z.url(),
  StackId: z.string(),
  RequestId: z.string(),
  LogicalResourceId: z.string(),
  ResourceProperties: z.looseObject({ File: z.string().check(z.regex(/^[\w.-]+\.csv$/)), Sha256: z.string() }),
});

/** One resource per stack, whatever its file: an update never replaces (and so never deletes) it. */
const PHYSICAL_ID = 'franchise-territories';

export function isCustomResourceRequest(event: unknown): event is CloudFormationCustomResourceEvent {
  return typeof event === 'object' && event !== null && 'RequestType' in event && 'ResponseURL' in event;
}

export interface DeployTerritoriesDeps extends ManageTerritoriesDeps {
  /** Where the bundle's files are: the function's code directory on Lambda. */
  readonly codeDir: string;
  /** Answers CloudFormation at the pre-signed URL of the request. */
  readonly respond?: (url: string, response: CloudFormationCustomResourceResponse) => Promise<void>;
}

export async function deployTerritories(event: CloudFormationCustomResourceEvent, deps: DeployTerritoriesDeps): Promise<CloudFormationCustomResourceResponse> {
  const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, PhysicalResourceId: PHYSICAL_ID };
  let response: CloudFormationCustomResourceResponse;
  try {
    const request = TerritoriesResource.parse(event);
    if (request.RequestType === 'Delete') response = { ...base, Status: 'SUCCESS' };
    else {
      const { File: file, Sha256: sha256 } = request.ResourceProperties;
      const csv = await readFile(join(deps.codeDir, file), 'utf8');
      const report = await importTerritories({ csv, changedBy: 'deploy', note: `${file} (sha256 ${sha256.slice(0, 12)})` }, deps);
      logger.info('territories deployed', { file, version: report.version, franchisees: report.franchisees, territories: report.territories, moved: report.moved });
      response = { ...base, Status: 'SUCCESS', Data: { Version: String(report.version) } };
    }
  } catch (error) {
    logger.error('territories not deployed', { error: loggableError(error) });
    const problems = (error as { problems?: readonly { field: string; message: string }[] }).problems;
    const reason = [(error as Error).message, ...(problems ?? []).slice(0, 10).map((p) => `${p.field}: ${p.message}`)].join('; ');
    // CloudFormation shows at most a few KB of the reason.
    response = { ...base, Status: 'FAILED', Reason: reason.slice(0, 3_000) };
  }
  await (deps.respond ?? putResponse)(event.ResponseURL, response);
  return response;
}

/** The answer CloudFormation waits for: a PUT of the JSON to the pre-signed URL, no content type. */
async function putResponse(url: string, response: CloudFormationCustomResourceResponse): Promise<void> {
  const body = JSON.stringify(response);
  const answer = await fetch(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) }, body });
  if (!answer.ok) throw new Error(`CloudFormation's response URL answered ${answer.status}`);
}
