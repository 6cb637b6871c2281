import type { LeadEvent, TransitionRequest } from '../adapters/lead-store.ts';
import type { NewEffect } from '../adapters/outbox.ts';
import { LeadStateConflict, RepUnavailable } from '../domain/errors.ts';
import { LeadStatus, type Lead } from '../domain/lead.ts';
import { allows, checkFollowUps, isHeld, statusAfter, transitionOf, type TransitionName } from '../domain/lifecycle.ts';
import type { RepProfile } from '../routing/eligibility.ts';
import type { HeldLeads, LeadHistory, LeadReader, LeadTransitions, QueuedLeads, RepReader, TeamMembers } from './ports.ts';
import type { TeamQueue } from './route-lead.ts';

/**
 * In-memory fakes of the use cases' ports, for unit tests: no AWS client, no emulator. They keep
 * the contract the ports state (a transition only from its from-statuses at the attempt read,
 * under its guard, taking or releasing the rep's capacity, with its history and effects) in
 * plain maps; how the lead store writes that as one DynamoDB transaction, with the rep's day and
 * week caps and the indexes, is for the integration tests against DynamoDB Local.
 */

/** The reps, with the load counters a transition takes and releases. */
export class InMemoryReps implements RepReader, TeamMembers {
  readonly #reps = new Map<string, RepProfile>();

  constructor(reps: readonly RepProfile[] = []) {
    for (const rep of reps) this.put(rep);
  }

  put(rep: RepProfile): void {
    this.#reps.set(rep.id, structuredClone(rep));
  }

  async get(repId: string): Promise<RepProfile | undefined> {
    const rep = this.#reps.get(repId);
    return rep && structuredClone(rep);
  }

  /**
   * A conditional write of the rep, atomic as DynamoDB's: `change` sees the rep as stored and
   * gives what it becomes, or undefined when its condition fails (nothing changes, false).
   */
  change(repId: string, change: (rep: RepProfile) => RepProfile | undefined): boolean {
    const rep = this.#reps.get(repId);
    const changed = rep && change(structuredClone(rep));
    if (changed) this.#reps.set(repId, changed);
    return changed !== undefined;
  }

  async listTeam(teamId: string): Promise<RepProfile[]> {
    return [...this.#reps.values()].filter((rep) => rep.teamId === teamId).map((rep) => structuredClone(rep));
  }

  /** One open lead more for the rep, while they are active, not switched off, reachable, under capacity and (given `teamId`) in that team. */
  take(repId: string, at: string, teamId?: string): void {
    const rep = this.#reps.get(repId);
    if (!rep || !rep.active || rep.disabled || rep.unreachable || rep.openLeads >= rep.capacity || (teamId !== undefined && rep.teamId !== teamId)) {
      throw new RepUnavailable(`rep ${repId} is full, inactive, switched off, unreachable or in another team`);
    }
    this.#reps.set(repId, { ...rep, openLeads: rep.openLeads + 1, lastOfferedAt: at });
  }

  release(repId: string): void {
    const rep = this.#reps.get(repId);
    if (rep) this.#reps.set(repId, { ...rep, openLeads: Math.max(0, rep.openLeads - 1) });
  }
}

/** A transition as it was committed, for a test to read back. */
export interface CommittedTransition {
  readonly name: TransitionName;
  readonly request: TransitionRequest;
  readonly lead: Lead;
}

const tierOrder: Record<string, number> = { hot: 0, warm: 1, cold: 2 };

/** The leads, their history and their follow-up effects; each commit is checked and applied at once. */
export class InMemoryLeads implements LeadReader, LeadTransitions, LeadHistory, QueuedLeads, HeldLeads, TeamQueue {
  readonly #leads = new Map<string, Lead>();
  readonly #history = new Map<string, LeadEvent[]>();
  readonly #reps: InMemoryReps;
  /** Every transition committed, oldest first. */
  readonly committed: CommittedTransition[] = [];

  constructor(reps: InMemoryReps, leads: readonly Lead[] = []) {
    this.#reps = reps;
    for (const lead of leads) this.put(lead);
  }

  put(lead: Lead): void {
    this.#leads.set(lead.id, structuredClone(lead));
  }

  async get(leadId: string): Promise<Lead | undefined> {
    const lead = this.#leads.get(leadId);
    return lead && structuredClone(lead);
  }

  async history(leadId: string): Promise<LeadEvent[]> {
    return structuredClone(this.#history.get(leadId) ?? []);
  }

  /** The effects the lead's transitions recorded, in order. */
  effects(leadId: string): NewEffect[] {
    return this.committed.filter((c) => c.lead.id === leadId).flatMap((c) => [...(c.request.effects ?? [])]);
  }

  async teamQueueLeads(teamId: string, limit = 50): Promise<Lead[]> {
    return [...this.#leads.values()]
      .filter((lead) => lead.status === LeadStatus.queued && lead.teamId === teamId)
      .sort((a, b) => (tierOrder[a.tier ?? 'warm'] ?? 1) - (tierOrder[b.tier ?? 'warm'] ?? 1) || a.receivedAt.localeCompare(b.receivedAt))
      .slice(0, limit)
      .map((lead) => structuredClone(lead));
  }

  async teamQueue(teamId: string, limit = 25): Promise<string[]> {
    return (await this.teamQueueLeads(teamId, limit)).map((lead) => lead.id);
  }

  async ownerLeads(repId: string): Promise<Lead[]> {
    return [...this.#leads.values()].filter((lead) => lead.ownerId === repId && isHeld(lead.status)).map((lead) => structuredClone(lead));
  }

  async commit(name: TransitionName, request: TransitionRequest): Promise<{ readonly lead: Lead }> {
    const transition = transitionOf(name);
    checkFollowUps(name, (request.effects ?? []).map((effect) => effect.purpose));
    if (request.ifDue !== undefined) throw new Error('the due index is not faked here');
    const read = request.lead;
    const stored = this.#leads.get(read.id);
    const conflict = () => new LeadStateConflict(`lead ${read.id} cannot be ${transition.event} from its current state`);
    if (!stored || stored.attempt !== read.attempt || !allows(name, stored.status)) throw conflict();
    if (transition.guard === 'current' && read.status !== undefined && read.status !== stored.status) throw conflict();

    const owner = transition.guard === 'owner' ? (request.rep?.id ?? read.ownerId) : stored.ownerId;
    if (transition.guard === 'owner' && (!owner || stored.ownerId !== owner)) throw conflict();
    const once: Record<string, unknown> = {};
    if (typeof transition.guard === 'object') {
      const { field } = transition.guard;
      const done = stored[field];
      if (transition.guard.oncePer === 'attempt') {
        if (typeof done === 'number' && done >= stored.attempt) throw conflict();
        once[field] = stored.attempt;
      } else if (transition.guard.oncePer === 'quiet-period') {
        if (!request.quietSince || (typeof done === 'string' && done > request.quietSince)) throw conflict();
        once[field] = request.at.toISOString();
      } else if (transition.guard.oncePer === 'planned-time') {
        if (!request.plannedFor || done === request.plannedFor) throw conflict();
        once[field] = request.plannedFor;
      } else {
        if (read.contactDeadline !== stored.contactDeadline || done === stored.contactDeadline) throw conflict();
        once[field] = stored.contactDeadline;
      }
    }

    // Contact fields change only while they hold the values read.
    const contact = Object.entries(request.contact ?? {}).filter(([, value]) => value !== undefined);
    const field = (key: string) => key as keyof Lead['contact'];
    if (contact.some(([key]) => stored.contact[field(key)] !== read.contact?.[field(key)])) throw conflict();

    const at = request.at.toISOString();
    const to = statusAfter(name, stored.status);
    const takes = transition.capacity === 'take' || transition.capacity === 'move';
    if (takes) {
      if (!request.rep) throw new Error(`${name} needs the rep who takes the lead`);
      this.#reps.take(request.rep.id, at, request.rep.teamId);
      if (transition.capacity === 'move' && stored.ownerId && isHeld(stored.status)) this.#reps.release(stored.ownerId);
    }
    if (transition.capacity === 'release' && owner) this.#reps.release(owner);

    const after: Record<string, unknown> = {
      ...stored,
      ...once,
      status: to,
      attempt: transition.newAttempt ? stored.attempt + 1 : stored.attempt,
      ...(takes ? { ownerId: request.rep!.id, offeredAt: at } : {}),
      ...(to === LeadStatus.accepted && stored.status !== LeadStatus.accepted ? { acceptedAt: at } : {}),
      ...(to === LeadStatus.contacted ? { contactedAt: at } : {}),
      ...(to === LeadStatus.closed ? { closedAt: at } : {}),
      ...(to === LeadStatus.queued && stored.status !== LeadStatus.queued ? { queuedAt: at } : {}),
    };
    // Back to routing, or to a queue or marketing: nobody owns it. A closed lead keeps who closed it.
    if (!isHeld(to) && to !== LeadStatus.closed) delete after.ownerId;
    for (const field of request.remove ?? []) delete after[field];
    Object.assign(after, request.set ?? {});
    for (const [field, value] of contact) after.contact = { ...(after.contact as Lead['contact']), [field]: value };
    const appends: Record<string, readonly unknown[]> = { ...(request.append ?? {}) };
    if (transition.excludesOwner && owner) appends.excludedReps = [...(appends.excludedReps ?? []), owner];
    for (const [field, list] of Object.entries(appends)) after[field] = [...((after[field] as unknown[] | undefined) ?? []), ...list];
    const lead = after as unknown as Lead;

    const events = [...(request.before ?? []), { kind: transition.event, actor: request.actor, ...(request.detail ? { detail: request.detail } : {}) }];
    const history = this.#history.get(lead.id) ?? [];
    events.forEach((event, i) => {
      const last = i === events.length - 1;
      history.push({ ...event, at: new Date(request.at.getTime() - (events.length - 1 - i)).toISOString(), ...(last ? { from: stored.status, to } : {}) });
    });
    this.#history.set(lead.id, history);
    this.#leads.set(lead.id, lead);
    this.committed.push({ name, request, lead: structuredClone(lead) });
    return { lead: structuredClone(lead) };
  }
}
