import { createHash } from 'node:crypto';
import { facebookLeadSubmission } from '../ingest/platforms/facebook.ts';
import { linkedInLeadSubmission } from '../ingest/platforms/linkedin.ts';
import type { PlatformJob } from '../ingest/platforms/platform-job.ts';
import { isPlatformSource, type PlatformSource } from '../ingest/source-config.ts';
import type { Submission } from '../ingest/submission.ts';
import { takeSubmission, type IntakeDeps, type Received, type SourceResolver } from './receive-lead.ts';

/** The platforms' lead APIs (shared/adapters/platform-api.ts). */
export interface PlatformLeadApi {
  lead(source: PlatformSource, leadId: string, accessToken: string): Promise<unknown>;
}

/** The access token each platform source fetches its leads with (shared/adapters/platform-tokens.ts). */
export interface AccessTokens {
  tokenFor(sourceId: string): Promise<string>;
}

export interface FetchPlatformLeadDeps extends IntakeDeps {
  readonly sources: SourceResolver;
  readonly api: PlatformLeadApi;
  readonly tokens: AccessTokens;
}

/** A job for a source that is not an ad platform's: a message of a changed config, kept in the DLQ. */
export class NotAPlatformSource extends Error {
  override name = 'NotAPlatformSource';
}

/**
 * Fetch a lead an ad platform announced, and take it as any posted lead is taken.
 * 1. Find the job's source; it must still be an ad platform's source of this stack.
 * 2. A lead already taken (its platform id is its idempotency key) is answered from that record,
 *    without calling the platform: a redelivered job or notification is one lead.
 * 3. Fetch it with the source's access token, and read its answers as fields.
 * 4. Take it through the intake core (`takeSubmission`): the same mapping, validation, dedupe
 *    and idempotency as a webhook post, its routing recorded in the same transaction.
 * Every failure is thrown for the queue to retry with backoff; what keeps failing ends in the DLQ.
 */
export async function fetchPlatformLead(job: PlatformJob, deps: FetchPlatformLeadDeps): Promise<Received> {
  const { source } = await deps.sources.resolve(job.sourceId);
  if (!isPlatformSource(source) || source.auth !== job.platform) {
    throw new NotAPlatformSource(`The source "${job.sourceId}" is no longer a ${job.platform} source (it is ${source.auth})`);
  }
  const key = `event:${job.leadId}`;
  const prior = await deps.intakeStore.priorResponse(source.id, key, deps.now());
  if (prior) return { source, leadId: prior.leadId, status: prior.status, replayed: true };

  const lead = await deps.api.lead(source, job.leadId, await deps.tokens.tokenFor(source.id));
  const submission = withNotice(source.auth === 'facebook' ? facebookLeadSubmission(lead) : linkedInLeadSubmission(lead), job);
  const bodyHash = createHash('sha256').update(`${job.platform}:${job.leadId}`).digest('base64url');
  return takeSubmission(source, submission, { key, bodyHash, clientKey: false }, deps);
}

/** What the notification said of the lead (its page, form, ad) fills what the fetched lead leaves out. */
function withNotice(submission: Submission, job: PlatformJob): Submission {
  const fields = { ...submission.fields };
  for (const [name, value] of Object.entries(job.details)) if (!Object.hasOwn(fields, name)) fields[name] = value;
  return { ...submission, fields, eventId: job.leadId };
}
