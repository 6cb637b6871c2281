import { PlatformFetchQueue } from '#shared/adapters/platform-fetch-queue.ts';
import { RateLimiter } from '#shared/adapters/rate-limiter.ts';
import { intakeFor } from '#shared/config/intake-composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import type { ReceiveLeadDeps } from '#shared/use-cases/receive-lead.ts';
import type { PlatformNotificationDeps } from '#shared/use-cases/receive-platform-notification.ts';

/** The ingest function's adapters, built once at cold start from its environment. */
const env = loadEnvironment('ingest');
const intake = await intakeFor(env);

export const sources = intake.sources;

export const deps: ReceiveLeadDeps = { ...intake.deps, rateLimiter: new RateLimiter(env.TABLE_NAME) };

/** Ad platforms' notifications: each announced lead becomes a job on the platform fetch queue. */
export const platformDeps: PlatformNotificationDeps = {
  jobs: new PlatformFetchQueue(env.PLATFORM_FETCH_QUEUE_URL),
  now: () => new Date(),
};
