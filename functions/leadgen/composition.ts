import { LeadStore } from '#shared/adapters/lead-store.ts';
import { PlatformApi } from '#shared/adapters/platform-api.ts';
import { PlatformFetchQueue } from '#shared/adapters/platform-fetch-queue.ts';
import { PlatformTokens } from '#shared/adapters/platform-tokens.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { intakeStoreFor } from '#shared/config/composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import { minutesToMs } from '#shared/config/runtime.ts';
import { SourceDirectory } from '#shared/ingest/source-directory.ts';
import { logger } from '#shared/observability.ts';
import type { FetchPlatformLeadDeps } from '#shared/use-cases/fetch-platform-lead.ts';

/** The leadgen function's adapters, built once at cold start from its environment. */
export const env = loadEnvironment('leadgen');
const settings = env.STACK_CONFIG;
// Each new lead's routing is recorded with it, and sent at once, as for a webhook post.
const intakeStore = intakeStoreFor(env);

/** Where a failed job waits out its backoff. */
export const fetchQueue = new PlatformFetchQueue(env.PLATFORM_FETCH_QUEUE_URL);

export const deps: FetchPlatformLeadDeps = {
  sources: new SourceDirectory(env.INTAKE_CONFIG, intakeStore, await loadSecret(env.SOURCE_SIGNING_SECRET)),
  api: new PlatformApi(env.PLATFORM_API_BASE_URL ? { baseUrlOverride: env.PLATFORM_API_BASE_URL } : {}),
  tokens: new PlatformTokens(env.PLATFORM_TOKENS_SECRET),
  leads: new LeadStore(env.TABLE_NAME),
  intakeStore,
  settings,
  intake: env.INTAKE_CONFIG,
  now: () => new Date(),
  contactWithinMs: minutesToMs(settings.routing.tiers.hot.contactMinutes, env.TIME_SCALE),
  note: (message, detail) => logger.warn(message, detail),
};
