import { dynamoDocument } from '../adapters/aws-clients.ts';
import { IntakeStore } from '../adapters/intake-store.ts';
import { LeadQueries } from '../adapters/lead-queries.ts';
import { loadSecret } from '../adapters/secrets.ts';
import { SourceDirectory } from '../ingest/source-directory.ts';
import { logger } from '../observability.ts';
import type { IntakeDeps } from '../use-cases/receive-lead.ts';
import { outboxFor, routingQueueFromEnv, sweepGraceMs, type StoreEnvironment } from './outbox-composition.ts';
import type { EnvironmentOf } from './environment.ts';
import { minutesToMs } from './runtime.ts';

/**
 * The intake core, for the functions that take leads (ingest, leadgen) and nothing else: its
 * stores, sources and schemas are theirs, so the other functions' bundles carry none of them.
 */

/**
 * The intake store, which sends each new lead to routing at once: its outbox has the routing
 * queue as its one performer, built here, so intake's bundles carry no mailer or timer.
 */
export function intakeStoreFor(env: StoreEnvironment<'message'>): IntakeStore {
  const outbox = outboxFor(env.TABLE_NAME, { queue: routingQueueFromEnv(env) }, env.TIME_SCALE);
  return new IntakeStore(env.TABLE_NAME, { outbox, sweepGraceMs: sweepGraceMs(env.TIME_SCALE) });
}

/** What the functions that take leads (ingest, leadgen) read to build the intake core. */
export type IntakeEnvironment = StoreEnvironment<'message'> & EnvironmentOf<'STACK_CONFIG' | 'INTAKE_CONFIG' | 'SOURCE_SIGNING_SECRET'>;

/**
 * The intake core as every function that takes leads builds it (a webhook's post, a lead an ad
 * platform announced): the stack's sources with their secrets, and the stores and settings a
 * lead is taken with, each new lead's routing recorded with it and sent at once. Intake reads
 * leads (a resubmission's open lead) and never moves one through a transition, so it reads
 * them without the transitions' code.
 */
export async function intakeFor(env: IntakeEnvironment): Promise<{ sources: SourceDirectory; deps: IntakeDeps }> {
  const settings = env.STACK_CONFIG;
  const intakeStore = intakeStoreFor(env);
  return {
    sources: new SourceDirectory(env.INTAKE_CONFIG, intakeStore, await loadSecret(env.SOURCE_SIGNING_SECRET)),
    deps: {
      leads: new LeadQueries(env.TABLE_NAME, dynamoDocument),
      intakeStore,
      settings,
      intake: env.INTAKE_CONFIG,
      now: () => new Date(),
      // Provisional until the router knows the tier: the strictest SLA, so nothing starts late.
      contactWithinMs: minutesToMs(settings.routing.tiers.hot.contactMinutes, env.TIME_SCALE),
      note: (message, detail) => logger.warn(message, detail),
    },
  };
}
