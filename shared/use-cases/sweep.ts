import type { DueEntry, StoredEffect } from '../adapters/due-index.ts';
import { EffectStatus, ownerOf, type EffectOwner } from '../adapters/outbox.ts';
import type { RoutingSettings } from '../config/stack-config.ts';
import { LeadStateConflict } from '../domain/errors.ts';
import { LeadStatus } from '../domain/lead.ts';
import { nextDueAt } from '../domain/lifecycle.ts';
import { escalateLead } from './escalate-lead.ts';
import { expireOffer } from './expire-offer.ts';
import { routeAgain } from './follow-ups.ts';
import type { LeadHistory, LeadReader, LeadTransitions, RepReader, TeamMembers } from './ports.ts';

/**
 * What is due and what to repair: the sparse index of leads past their next deadline and effects
 * past their retry budget, the effect records to hand back to the relay, and each rep's
 * open-lead count against the leads they really hold. Every write is conditional on what was read.
 */
export interface DueWork {
  /** Everything due by `now`, oldest first, at most `limit` per index shard. */
  due(now: Date, limit: number): Promise<DueEntry[]>;
  effect(owner: EffectOwner, effectId: string): Promise<StoredEffect | undefined>;
  /** Hands the effect to the relay again (a lead's with `swept` in its history); false when it changed since it was read. */
  rearm(effect: StoredEffect, now: Date, nextDueAt: string): Promise<boolean>;
  postpone(effect: StoredEffect, nextDueAt: string): Promise<void>;
  /** Drops the lead's entry, if it is still the one seen. */
  clearLead(leadId: string, seenDue: string): Promise<void>;
  /** True for the first sweep `everyMs` after the last recount (each period's one recount). */
  takeRecountTurn(now: Date, everyMs: number): Promise<boolean>;
  /** How many leads the rep holds (offered, accepted, contacted). */
  heldBy(repId: string): Promise<number>;
  /** Sets the rep's count to `held`, if it is still the one seen; false otherwise. */
  repairLoad(repId: string, seen: { openLeads: number; loadChangedAt?: string }, held: number, now: Date): Promise<boolean>;
}

export interface SweepDeps {
  readonly leads: LeadReader & LeadTransitions & LeadHistory;
  readonly reps: RepReader & TeamMembers;
  readonly due: DueWork;
  readonly settings: RoutingSettings;
  /** The sweeper's grace before it acts for the SLA timer, and an effect's retry budget (real ms). */
  readonly graceMs: number;
  readonly retryBudgetMs: number;
  readonly now: () => Date;
  /** Notes the caller may log (a repaired count, an effect re-armed). */
  readonly note?: (message: string, detail: Record<string, unknown>) => void;
}

export interface SweepReport {
  readonly routed: number;
  readonly expired: number;
  readonly escalated: number;
  readonly rearmed: number;
  readonly repaired: number;
  /** Due entries that had moved on by the time they were looked at. */
  readonly alreadyMoved: number;
}

/** Due entries one sweep handles per index shard; a longer backlog is worked off by the next sweeps. */
const SWEEP_BATCH = 50;
/** A re-armed effect waits longer each time, up to an hour between tries. */
const MAX_REARM_WAIT_MS = 3_600_000;
/** A rep's count is repaired only once it has not changed for this long: the owner index lags writes by a moment. */
export const LOAD_SETTLE_MS = 30_000;
/**
 * Loads are recounted at most this often, in real time whatever TIME_SCALE: a count is repaired
 * only once still for LOAD_SETTLE_MS, so recounting more often finds nothing new, and a sweeper
 * scaled to run every half second would spend three queries a rep on every run. On AWS the
 * sweeper runs every minute, so every run recounts.
 */
export const RECOUNT_EVERY_MS = LOAD_SETTLE_MS;

/**
 * The last line of defence, run every minute.
 * 1. Leads past a due time with nothing acting on them are driven on through the same
 *    transitions the timer and the router use, with `swept` in their history: one waiting for
 *    routing for over a minute is routed again, an offer past its accept window is taken back,
 *    a lead past its contact deadline unescalated is escalated.
 * 2. Effects older than their retry budget (their performer died, or every retry failed), a
 *    lead's or a rep's, are handed to the relay again, each time after a longer wait; so is an
 *    effect recorded for later (a summary the owner is owed) once its time has come.
 * 3. Each rep's open-lead count is recounted from the leads they hold, and drift repaired
 *    (at most once every RECOUNT_EVERY_MS).
 * Every step is conditional on what it read, so the sweeper racing the timer, the relay or a
 * rep changes nothing twice.
 */
export async function sweep(deps: SweepDeps): Promise<SweepReport> {
  const report = { routed: 0, expired: 0, escalated: 0, rearmed: 0, repaired: 0, alreadyMoved: 0 };
  const now = deps.now();
  for (const entry of await deps.due.due(now, SWEEP_BATCH)) {
    const outcome = entry.kind === 'lead' ? await driveOn(entry.leadId, entry.dueKey, now, deps) : await rearm(entry.owner, entry.effectId, now, deps);
    report[outcome] += 1;
  }
  if (await deps.due.takeRecountTurn(now, RECOUNT_EVERY_MS)) report.repaired = (await recountLoads(deps)).repaired.length;
  return report;
}

async function driveOn(leadId: string, dueKey: string, now: Date, deps: SweepDeps): Promise<'routed' | 'expired' | 'escalated' | 'alreadyMoved'> {
  const lead = await deps.leads.get(leadId);
  if (!lead) return 'alreadyMoved';
  const swept = { dueAt: dueKey.slice(0, 24), status: lead.status, attempt: lead.attempt };
  const past = (iso: string | undefined) => iso !== undefined && Date.parse(iso) + deps.graceMs <= now.getTime();
  const timer = { leadId: lead.id, attempt: lead.attempt, contactDeadline: lead.contactDeadline };
  try {
    switch (lead.status) {
      case LeadStatus.received:
        // Only while the lead still waits under this very entry: a lead moved on since is not routed twice.
        await deps.leads.commit('sweep', { lead, ifDue: dueKey, at: now, actor: 'sweeper', detail: { ...swept, reason: 'waiting for routing' }, effects: [routeAgain(lead.id)] });
        deps.note?.('lead swept to routing', { leadId });
        return 'routed';
      case LeadStatus.offered:
        if (past(lead.acceptDeadline)) return (await expireOffer(timer, { leads: deps.leads, reps: deps.reps, now: deps.now, swept })).expired ? 'expired' : 'alreadyMoved';
        break;
      case LeadStatus.accepted:
      case LeadStatus.queued:
        if (past(lead.contactDeadline) && lead.escalatedDeadline !== lead.contactDeadline) {
          const outcome = await escalateLead(timer, { leads: deps.leads, reps: deps.reps, settings: deps.settings, now: deps.now, swept });
          return outcome.escalated ? 'escalated' : 'alreadyMoved';
        }
        break;
    }
  } catch (error) {
    if (!(error instanceof LeadStateConflict)) throw error;
  }
  // Nothing is due after all (an index entry read before the lead moved on): drop it unless the lead has a newer one.
  if (nextDueAt(lead, now, deps.graceMs) === undefined) await deps.due.clearLead(lead.id, dueKey);
  return 'alreadyMoved';
}

async function rearm(owner: EffectOwner, effectId: string, now: Date, deps: SweepDeps): Promise<'rearmed' | 'alreadyMoved'> {
  const effect: StoredEffect | undefined = await deps.due.effect(owner, effectId);
  if (!effect || effect.status === EffectStatus.done) return 'alreadyMoved';
  // Its performer still holds it: look again when the lease runs out.
  if (effect.status === EffectStatus.claimed && effect.leaseUntil && effect.leaseUntil > now.toISOString()) {
    await deps.due.postpone(effect, new Date(Date.parse(effect.leaseUntil) + 1_000).toISOString());
    return 'alreadyMoved';
  }
  const wait = Math.min(deps.retryBudgetMs * 2 ** (effect.rearms ?? 0), MAX_REARM_WAIT_MS);
  if (!(await deps.due.rearm(effect, now, new Date(now.getTime() + wait).toISOString()))) return 'alreadyMoved';
  const why = effect.notBefore !== undefined && effect.rearms === undefined ? 'effect recorded for later handed to the relay' : 'stuck effect re-armed for the relay';
  deps.note?.(why, { ...ownerOf(owner), effectId, purpose: effect.purpose, status: effect.status, attempts: effect.attempts });
  return 'rearmed';
}

export interface RecountReport {
  readonly checked: number;
  /** Reps whose count was set to what they hold. */
  readonly repaired: readonly { readonly repId: string; readonly counted: number; readonly held: number }[];
  /** Reps whose count changed moments ago: looked at again next time, since the owner index may lag. */
  readonly changing: readonly string[];
}

/**
 * Each rep's `openLeads` set to the leads they hold, where the two differ and the count has been
 * still for a while (a lead deleted by its TTL while held, say).
 */
export async function recountLoads(deps: Pick<SweepDeps, 'reps' | 'due' | 'settings' | 'now' | 'note'>): Promise<RecountReport> {
  const repaired: { repId: string; counted: number; held: number }[] = [];
  const changing: string[] = [];
  let checked = 0;
  const now = deps.now();
  for (const team of deps.settings.routing.teams) {
    for (const rep of await deps.reps.listTeam(team.id)) {
      const fresh = await deps.reps.get(rep.id);
      if (!fresh) continue;
      checked += 1;
      const changedAt = (fresh as { loadChangedAt?: string }).loadChangedAt;
      if (changedAt && Date.parse(changedAt) > now.getTime() - LOAD_SETTLE_MS) {
        changing.push(rep.id);
        continue;
      }
      const held = await deps.due.heldBy(rep.id);
      if (held === fresh.openLeads) continue;
      if (await deps.due.repairLoad(rep.id, { openLeads: fresh.openLeads, ...(changedAt ? { loadChangedAt: changedAt } : {}) }, held, now)) {
        repaired.push({ repId: rep.id, counted: fresh.openLeads, held });
        deps.note?.('open-lead count repaired', { repId: rep.id, counted: fresh.openLeads, held });
      } else changing.push(rep.id);
    }
  }
  return { checked, repaired, changing };
}
