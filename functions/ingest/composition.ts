import { LeadStore } from '#shared/adapters/lead-store.ts';
import { PlatformFetchQueue } from '#shared/adapters/platform-fetch-queue.ts';
import { RateLimiter } from '#shared/adapters/rate-limiter.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { intakeStoreFor } from '#shared/config/composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import { minutesToMs } from '#shared/config/runtime.ts';
import { SourceDirectory } from '#shared/ingest/source-directory.ts';
import { logger } from '#shared/observability.ts';
import type { ReceiveLeadDeps } from '#shared/use-cases/receive-lead.ts';
import type { PlatformNotificationDeps } from '#shared/use-cases/receive-platform-notification.ts';

/** The ingest function's adapters, built once at cold start from its environment. */
const env = loadEnvironment('ingest');
const settings = env.STACK_CONFIG;
// Each new lead's routing is recorded with it, and sent at once.
const intakeStore = intakeStoreFor(env);

export const sources = new SourceDirectory(env.INTAKE_CONFIG, intakeStore, await loadSecret(env.SOURCE_SIGNING_SECRET));

export const deps: ReceiveLeadDeps = {
  leads: new LeadStore(env.TABLE_NAME),
  intakeStore,
  rateLimiter: new RateLimiter(env.TABLE_NAME),
  settings,
  intake: env.INTAKE_CONFIG,
  now: () => new Date(),
  // Provisional until the router knows the tier: the strictest SLA, so nothing starts late.
  contactWithinMs: minutesToMs(settings.routing.tiers.hot.contactMinutes, env.TIME_SCALE),
  note: (message, detail) => logger.warn(message, detail),
};

/** Ad platforms' notifications: each announced lead becomes a job on the platform fetch queue. */
export const platformDeps: PlatformNotificationDeps = {
  jobs: new PlatformFetchQueue(env.PLATFORM_FETCH_QUEUE_URL),
  now: () => new Date(),
};
