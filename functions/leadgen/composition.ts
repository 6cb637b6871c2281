import { PlatformApi } from '#shared/adapters/platform-api.ts';
import { PlatformFetchQueue } from '#shared/adapters/platform-fetch-queue.ts';
import { PlatformTokens } from '#shared/adapters/platform-tokens.ts';
import { intakeFor } from '#shared/config/intake-composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import type { FetchPlatformLeadDeps } from '#shared/use-cases/fetch-platform-lead.ts';

/** The leadgen function's adapters, built once at cold start from its environment. */
export const env = loadEnvironment('leadgen');
// Taken as a webhook post is: the same sources, stores and settings.
const intake = await intakeFor(env);

/** Where a failed job waits out its backoff. */
export const fetchQueue = new PlatformFetchQueue(env.PLATFORM_FETCH_QUEUE_URL);

export const deps: FetchPlatformLeadDeps = {
  ...intake.deps,
  sources: intake.sources,
  api: new PlatformApi(env.PLATFORM_API_BASE_URL ? { baseUrlOverride: env.PLATFORM_API_BASE_URL } : {}),
  tokens: new PlatformTokens(env.PLATFORM_TOKENS_SECRET),
};
