import type { SlaTimerInput } from '../adapters/sla-timer.ts';
import { LeadStateConflict } from '../domain/errors.ts';
import { LeadStatus } from '../domain/lead.ts';
import { allows } from '../domain/lifecycle.ts';
import { teamById, type RoutingConfig } from '../routing/config-schema.ts';
import { routeAgain, startTimer } from './follow-ups.ts';
import type { LeadReader, LeadTransitions } from './ports.ts';
import { slaTimerFor, type MinutesToMs } from './sla-schedule.ts';

export interface RecoverTimerDeps {
  readonly leads: LeadReader & LeadTransitions;
  readonly config: RoutingConfig;
  readonly minutes: MinutesToMs;
  readonly now: () => Date;
}

export type RecoveryOutcome =
  | { readonly recovered: true; readonly newTimer: boolean; readonly routed: boolean }
  | { readonly recovered: false; readonly reason: 'lead-gone' | 'stale-attempt' | 'settled' };

/** A lead whose timer failed this often gets no new one: the sweeper watches it from then on. */
export const MAX_TIMER_RESTARTS = 3;

/**
 * A step of the SLA timer gave up after all its retries (the state machine's Catch).
 * 1. Nothing to do for a lead that is gone, settled, or past this attempt.
 * 2. Otherwise record the failure on the lead, and in the same transaction give it a new watcher
 *    (a fresh timer for its current attempt, whose waits are past or ahead as the deadlines
 *    are) and, when it waits for routing, send it to routing again.
 * A lead whose timers keep failing is left to the sweeper, which acts on its deadlines itself.
 */
export async function recoverTimer(input: SlaTimerInput, failure: { readonly Error?: string; readonly Cause?: string }, deps: RecoverTimerDeps): Promise<RecoveryOutcome> {
  const lead = await deps.leads.get(input.leadId);
  if (!lead) return { recovered: false, reason: 'lead-gone' };
  if (lead.attempt !== input.attempt) return { recovered: false, reason: 'stale-attempt' };
  if (!allows('timer-failed', lead.status)) return { recovered: false, reason: 'settled' };
  const now = deps.now();
  const restarts = lead.timerFailures ?? 0;
  const newTimer = restarts < MAX_TIMER_RESTARTS;
  const routed = lead.status === LeadStatus.received;
  try {
    await deps.leads.commit('timer-failed', {
      lead,
      at: now,
      actor: 'sla-timer',
      detail: { attempt: lead.attempt, error: failure.Error ?? 'unknown', cause: (failure.Cause ?? '').slice(0, 500), newTimer },
      set: { timerFailures: restarts + 1 },
      effects: [
        ...(newTimer ? [startTimer(slaTimerFor(lead, teamById(deps.config, lead.teamId), deps.config.tiers, deps.minutes, now))] : []),
        ...(routed ? [routeAgain(lead.id)] : []),
      ],
    });
  } catch (error) {
    // The lead moved on while the timer failed: whatever moved it gave it its own follow-ups.
    if (error instanceof LeadStateConflict) return { recovered: false, reason: 'stale-attempt' };
    throw error;
  }
  return { recovered: true, newTimer, routed };
}
