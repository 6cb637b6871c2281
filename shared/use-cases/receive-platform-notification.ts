import { MalformedRequest, MethodNotAllowed } from '../domain/errors.ts';
import { decodeBody } from '../http/request.ts';
import { facebookHandshake, facebookLeadNotices } from '../ingest/platforms/facebook.ts';
import { linkedInLeadNotices } from '../ingest/platforms/linkedin.ts';
import type { PlatformJob } from '../ingest/platforms/platform-job.ts';
import { linkedInChallengeResponse, verifyPlatformSignature } from '../ingest/signatures.ts';
import type { PlatformSource } from '../ingest/source-config.ts';
import type { Delivery } from './receive-lead.ts';

/** Where the jobs of a notification are kept until their leads are fetched (the platform fetch queue). */
export interface PlatformJobs {
  /** Resolves once every job is durably queued; throws otherwise. */
  send(jobs: readonly PlatformJob[]): Promise<void>;
}

export interface PlatformNotificationDeps {
  readonly jobs: PlatformJobs;
  readonly now: () => Date;
}

/** The source with the secret its notifications are signed with and, for Facebook, its verify token. */
export interface ResolvedPlatformSource {
  readonly source: PlatformSource;
  readonly secret?: string;
  readonly verifyToken?: string;
}

export type PlatformAnswer =
  /** Meta's handshake: the challenge, as text. */
  | { readonly kind: 'challenge'; readonly text: string }
  /** LinkedIn's validation: `{ challengeCode, challengeResponse }`. */
  | { readonly kind: 'validation'; readonly body: { challengeCode: string; challengeResponse: string } }
  /** A notification taken: its leads are queued to be fetched. */
  | { readonly kind: 'queued'; readonly leadIds: readonly string[] };

/**
 * An ad platform tells us about new leads (or checks that the webhook is ours).
 * 1. GET: answer the platform's challenge (Meta's verify token, LinkedIn's HMAC of its code).
 * 2. POST: check the signature over the raw body with the app's secret.
 * 3. Read which leads it announces (every leadgen change of every entry; ids exact).
 * 4. Queue one fetch job per lead, and answer only once all are queued: the platform then
 *    forgets the notification, so a failure here must be a 5xx that makes it send it again.
 */
export async function receivePlatformNotification(delivery: Delivery, resolved: ResolvedPlatformSource, deps: PlatformNotificationDeps): Promise<PlatformAnswer> {
  const { source, secret } = resolved;
  if (delivery.method === 'GET') return challengeAnswer(delivery, resolved);
  if (delivery.method !== 'POST') throw new MethodNotAllowed(`The ${source.auth} webhook takes GET (its validation) and POST (notifications), not ${delivery.method}`);
  const body = decodeBody({ headers: delivery.headers, body: delivery.body, isBase64Encoded: delivery.isBase64Encoded });
  if (body.kind !== 'json') throw new MalformedRequest(`The ${source.auth} notification must be JSON`);
  verifyPlatformSignature(source.auth, { headers: delivery.headers, rawBody: body.text }, secret!);
  const notifiedAt = deps.now().toISOString();
  const jobs: PlatformJob[] =
    source.auth === 'facebook'
      ? facebookLeadNotices(body.text).map((notice) => ({ platform: 'facebook', sourceId: source.id, leadId: notice.leadgenId, notifiedAt, details: notice.details }))
      : linkedInLeadNotices(body.text).map((notice) => ({ platform: 'linkedin', sourceId: source.id, leadId: notice.responseId, notifiedAt, details: notice.details }));
  await deps.jobs.send(jobs);
  return { kind: 'queued', leadIds: jobs.map((job) => job.leadId) };
}

function challengeAnswer(delivery: Delivery, { source, secret, verifyToken }: ResolvedPlatformSource): PlatformAnswer {
  if (source.auth === 'facebook') {
    if (!verifyToken) throw new Error(`No verify token is configured for the source "${source.id}"`);
    return { kind: 'challenge', text: facebookHandshake(delivery.query, verifyToken) };
  }
  const challengeCode = delivery.query.challengeCode;
  if (!challengeCode || challengeCode.length > 200) throw new MalformedRequest("Expected LinkedIn's webhook validation: ?challengeCode=<uuid>");
  return { kind: 'validation', body: { challengeCode, challengeResponse: linkedInChallengeResponse(challengeCode, secret!) } };
}
