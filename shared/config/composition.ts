import { IntakeStore } from '../adapters/intake-store.ts';
import { LeadStore } from '../adapters/lead-store.ts';
import { Mailer } from '../adapters/mailer.ts';
import { Outbox, type EffectRecord, type Performers } from '../adapters/outbox.ts';
import { RoutingQueue } from '../adapters/routing-queue.ts';
import { SlaTimer } from '../adapters/sla-timer.ts';
import { SWEEP_GRACE_MINUTES } from '../domain/lifecycle.ts';
import { logger } from '../observability.ts';
import { minutesToMs, requireEnv } from './runtime.ts';

/**
 * The pieces every committing function builds the same way at cold start: its performers of
 * follow-up effects (only those its role allows), the outbox over them, and the lead store that
 * records and performs each transition's effects.
 */

/** An effect not done this long after its transition (SLA minutes, time-scaled) is re-armed by the sweeper. */
export const EFFECT_RETRY_BUDGET_MINUTES = 2;

export type EffectKind = 'email' | 'timer' | 'message';

export const mailerFromEnv = () => new Mailer(requireEnv('EMAIL_FROM'), { configurationSet: process.env.SES_CONFIGURATION_SET });

/** The performers of the given kinds, each from its own variable (EMAIL_FROM, SLA_STATE_MACHINE_ARN, ROUTING_QUEUE_URL). */
export function performersFromEnv(kinds: readonly EffectKind[]): Performers {
  return {
    ...(kinds.includes('email') ? { mailer: mailerFromEnv() } : {}),
    ...(kinds.includes('timer') ? { timer: new SlaTimer(requireEnv('SLA_STATE_MACHINE_ARN')) } : {}),
    ...(kinds.includes('message') ? { queue: new RoutingQueue(requireEnv('ROUTING_QUEUE_URL')) } : {}),
  };
}

const logFailure = (effect: EffectRecord, error: unknown) =>
  logger.warn('follow-up effect failed; it stays recorded and is retried', { leadId: effect.leadId, effectId: effect.id, purpose: effect.purpose, error: error as Error });

export function outboxFor(tableName: string, performers: Performers): Outbox {
  return new Outbox(tableName, { performers, retryBudgetMs: minutesToMs(EFFECT_RETRY_BUDGET_MINUTES), onFailure: logFailure });
}

/** A lead store whose transitions record their effects and perform at once those of `kinds`. */
export function leadStoreFor(tableName: string, kinds: readonly EffectKind[]): LeadStore {
  return new LeadStore(tableName, { outbox: outboxFor(tableName, performersFromEnv(kinds)), sweepGraceMs: minutesToMs(SWEEP_GRACE_MINUTES) });
}

export function intakeStoreFor(tableName: string): IntakeStore {
  return new IntakeStore(tableName, { outbox: outboxFor(tableName, performersFromEnv(['message'])), sweepGraceMs: minutesToMs(SWEEP_GRACE_MINUTES) });
}
