import { Mailer } from '../adapters/mailer.ts';
import { Outbox, ownerOf, type EffectRecord, type Performers } from '../adapters/outbox.ts';
import { RoutingQueue } from '../adapters/routing-queue.ts';
import { SlaTimer } from '../adapters/sla-timer.ts';
import { SWEEP_GRACE_FLOOR_MS, SWEEP_GRACE_MINUTES } from '../domain/follow-ups.ts';
import { loggableError, logger } from '../observability.ts';
import { performerVariables, PerformerVariables, readEnvironment, type EffectKind, type EnvironmentOf, type PerformerVariable } from './environment.ts';
import { minutesToMs, timeScale } from './runtime.ts';

/**
 * What every function builds the same way at cold start, from its parsed environment
 * (shared/config/environment.ts): the mailer, the performers of follow-up effects (only those
 * its role allows) and the outbox over them. The stores over them are composition.ts's. Each
 * function's composition root (`functions/<name>/composition.ts`) calls these; nothing else
 * constructs a mailer, a queue or a timer from configuration.
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
export function storeParts<K extends EffectKind>(source: string | StoreEnvironment<K>, kinds: readonly K[]) {
  const [tableName, performers, scale] =
    typeof source === 'string' ? [source, performersFromEnv(kinds), timeScale()] : [source.TABLE_NAME, performersFromEnv(kinds, source), source.TIME_SCALE];
  return { tableName, outbox: outboxFor(tableName, performers, scale), sweepGraceMs: sweepGraceMs(scale) };
}

