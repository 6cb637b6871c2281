import { IntakeStore } from '../adapters/intake-store.ts';
import { LeadStore } from '../adapters/lead-store.ts';
import { Mailer } from '../adapters/mailer.ts';
import { LeadEraser } from '../adapters/lead-erasure.ts';
import { Outbox, ownerOf, type EffectRecord, type Performers } from '../adapters/outbox.ts';
import { RepStore } from '../adapters/rep-store.ts';
import { RoutingQueue } from '../adapters/routing-queue.ts';
import { loadSecret } from '../adapters/secrets.ts';
import { SlaTimer } from '../adapters/sla-timer.ts';
import { SWEEP_GRACE_FLOOR_MS, SWEEP_GRACE_MINUTES } from '../domain/lifecycle.ts';
import { SourceDirectory } from '../ingest/source-directory.ts';
import { loggableError, logger } from '../observability.ts';
import type { IntakeDeps } from '../use-cases/receive-lead.ts';
import { performerVariables, PerformerVariables, readEnvironment, type EffectKind, type EnvironmentOf, type PerformerVariable } from './environment.ts';
import { minutesToMs, timeScale } from './runtime.ts';

/**
 * The adapters every function builds the same way at cold start, from its parsed environment
 * (shared/config/environment.ts): the mailer, the performers of follow-up effects (only those
 * its role allows), the outbox over them, and the stores that record and perform the effects
 * of each lead's transition and each rep's account change. Each function's composition root (`functions/<name>/composition.ts`)
 * calls these; nothing else constructs a mailer, a queue or a timer from configuration.
 *
 * Each builder also takes a table name instead of a parsed environment, and then reads the
 * variables it needs from `process.env`, through the same schema.
 */

export type { EffectKind } from './environment.ts';

/** An effect not done this long after its transition (SLA minutes, time-scaled) is re-armed by the sweeper. */
export const EFFECT_RETRY_BUDGET_MINUTES = 2;

/** What the performers of `kinds` read. */
export type PerformerEnvironment<K extends EffectKind> = EnvironmentOf<PerformerVariable<K>>;
/** What a store performing `kinds` reads. */
export type StoreEnvironment<K extends EffectKind> = EnvironmentOf<'TABLE_NAME' | 'TIME_SCALE' | PerformerVariable<K>>;

export const mailerFromEnv = (env: PerformerEnvironment<'email'> = readEnvironment(PerformerVariables.email)): Mailer =>
  new Mailer(env.EMAIL_FROM, { configurationSet: env.SES_CONFIGURATION_SET });

/** The routing queue: each new lead, each lead passed on, each team queue to drain. */
export const routingQueueFromEnv = (env: PerformerEnvironment<'message'> = readEnvironment(PerformerVariables.message)): RoutingQueue =>
  new RoutingQueue(env.ROUTING_QUEUE_URL);

/** The performers of the given kinds, each from its own variable (EMAIL_FROM, SLA_STATE_MACHINE_ARN, ROUTING_QUEUE_URL). */
export function performersFromEnv<K extends EffectKind>(
  kinds: readonly K[],
  env: NoInfer<PerformerEnvironment<K>> = readEnvironment(performerVariables(kinds)),
): Performers {
  // The type ties `env` to `kinds`; this view reads it without that generic link.
  const variables: Partial<PerformerEnvironment<EffectKind>> = env;
  const needed = <V>(value: V | undefined, name: string): V => {
    if (value === undefined) throw new Error(`Missing environment variable ${name}`);
    return value;
  };
  const has = (kind: EffectKind) => (kinds as readonly EffectKind[]).includes(kind);
  return {
    ...(has('email')
      ? { mailer: mailerFromEnv({ EMAIL_FROM: needed(variables.EMAIL_FROM, 'EMAIL_FROM'), SES_CONFIGURATION_SET: variables.SES_CONFIGURATION_SET }) }
      : {}),
    ...(has('timer') ? { timer: new SlaTimer(needed(variables.SLA_STATE_MACHINE_ARN, 'SLA_STATE_MACHINE_ARN')) } : {}),
    ...(has('message') ? { queue: routingQueueFromEnv({ ROUTING_QUEUE_URL: needed(variables.ROUTING_QUEUE_URL, 'ROUTING_QUEUE_URL') }) } : {}),
  };
}

const logFailure = (effect: EffectRecord, error: unknown) =>
  logger.warn('follow-up effect failed; it stays recorded and is retried', { ...ownerOf(effect), effectId: effect.id, purpose: effect.purpose, error: loggableError(error) });

/** The sweeper's grace in real milliseconds at a TIME_SCALE: a scaled minute, never under the floor. */
export const sweepGraceMs = (scale?: number): number => Math.max(minutesToMs(SWEEP_GRACE_MINUTES, scale), SWEEP_GRACE_FLOOR_MS);

export function outboxFor(tableName: string, performers: Performers, scale?: number): Outbox {
  return new Outbox(tableName, { performers, retryBudgetMs: minutesToMs(EFFECT_RETRY_BUDGET_MINUTES, scale), onFailure: logFailure });
}

/** The table, outbox and grace time of a store, from a parsed environment or from `process.env`. */
function storeParts<K extends EffectKind>(source: string | StoreEnvironment<K>, kinds: readonly K[]) {
  const [tableName, performers, scale] =
    typeof source === 'string' ? [source, performersFromEnv(kinds), timeScale()] : [source.TABLE_NAME, performersFromEnv(kinds, source), source.TIME_SCALE];
  return { tableName, outbox: outboxFor(tableName, performers, scale), sweepGraceMs: sweepGraceMs(scale) };
}

/** A lead store whose transitions record their effects and perform at once those of `kinds`. */
export function leadStoreFor<K extends EffectKind>(source: string | NoInfer<StoreEnvironment<K>>, kinds: readonly K[]): LeadStore {
  const { tableName, outbox, sweepGraceMs } = storeParts(source, kinds);
  return new LeadStore(tableName, { outbox, sweepGraceMs });
}

/**
 * A rep store whose account changes (switched on, changed by an admin, a profile saved, a sign-in
 * link, a bounce's notice) record their effects and perform at once those of `kinds`.
 */
export function repStoreFor<K extends EffectKind>(source: string | NoInfer<StoreEnvironment<K>>, kinds: readonly K[]): RepStore {
  const { tableName, outbox } = storeParts(source, kinds);
  return new RepStore(tableName, { outbox });
}

/** The eraser, which offers the team queue the slot an erased lead freed at once. */
export function leadEraserFor(source: string | StoreEnvironment<'message'>): LeadEraser {
  const { tableName, outbox } = storeParts(source, ['message']);
  return new LeadEraser(tableName, { outbox });
}

/** The intake store, which sends each new lead to routing at once. */
export function intakeStoreFor(source: string | StoreEnvironment<'message'>): IntakeStore {
  const { tableName, outbox, sweepGraceMs } = storeParts(source, ['message']);
  return new IntakeStore(tableName, { outbox, sweepGraceMs });
}

/** What the functions that take leads (ingest, leadgen) read to build the intake core. */
export type IntakeEnvironment = StoreEnvironment<'message'> & EnvironmentOf<'STACK_CONFIG' | 'INTAKE_CONFIG' | 'SOURCE_SIGNING_SECRET'>;

/**
 * The intake core as every function that takes leads builds it (a webhook's post, a lead an ad
 * platform announced): the stack's sources with their secrets, and the stores and settings a
 * lead is taken with, each new lead's routing recorded with it and sent at once.
 */
export async function intakeFor(env: IntakeEnvironment): Promise<{ sources: SourceDirectory; deps: IntakeDeps }> {
  const settings = env.STACK_CONFIG;
  const intakeStore = intakeStoreFor(env);
  return {
    sources: new SourceDirectory(env.INTAKE_CONFIG, intakeStore, await loadSecret(env.SOURCE_SIGNING_SECRET)),
    deps: {
      leads: new LeadStore(env.TABLE_NAME),
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
