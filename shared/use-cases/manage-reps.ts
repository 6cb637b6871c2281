import { RepChangedMeanwhile, type AdminRepChanges, type Switched } from '../adapters/rep-store.ts';
import { EmailTaken, InvalidLead, LeadStateConflict, RepNotFound, TemporarilyUnavailable, type FieldProblem } from '../domain/errors.ts';
import type { Lead } from '../domain/lead.ts';
import { allows } from '../domain/lifecycle.ts';
import { sessionVersionOf } from '../portal/session.ts';
import type { RoutingConfig } from '../routing/config-schema.ts';
import type { RepProfile } from '../routing/eligibility.ts';
import { drainTeam, routeAgain } from './follow-ups.ts';
import { fieldProblems, repChangeSchema } from './rep-fields.ts';
import type { NewEffect } from '../adapters/outbox.ts';
import type { HeldLeads, LeadReader, LeadTransitions, RepByEmail, RepReader } from './ports.ts';

/** The admin's switch on a rep, and their changes to who the rep is and what they may take. */
export interface RepAdministration {
  /** Switches the rep off and ends their sessions in one write; `changed` false when off already. */
  disable(repId: string): Promise<Switched>;
  /** Switches the rep on, with `followUps` of the rep as read recorded in the same write; `changed` false when on already. */
  enable(repId: string, followUps: (rep: RepProfile) => readonly NewEffect[], at: Date): Promise<Switched>;
  /**
   * Writes the changes while the rep is as read (else `RepChangedMeanwhile`), with `effects`
   * recorded in the same write; `EmailTaken` for another rep's address.
   */
  updateByAdmin(read: RepProfile, changes: AdminRepChanges, effects: readonly NewEffect[], at: Date): Promise<RepProfile>;
}

export interface ManageRepsDeps {
  readonly reps: RepReader & RepByEmail & RepAdministration;
  readonly leads: HeldLeads & LeadReader & LeadTransitions;
  readonly config: Pick<RoutingConfig, 'teams'>;
  readonly now: () => Date;
}

export interface DisableReport {
  readonly repId: string;
  readonly disabled: true;
  /** False when the rep was switched off already (their leads are looked at again all the same). */
  readonly changed: boolean;
  readonly sessionVersion: number;
  /** Offered and accepted leads taken from the rep and sent back to routing. */
  readonly released: readonly string[];
  /** Contacted leads: the rep has spoken to the person, and the lifecycle has no way back for them. */
  readonly kept: readonly string[];
}

export interface EnableReport {
  readonly repId: string;
  readonly disabled: false;
  readonly changed: boolean;
  readonly sessionVersion: number;
}

/** Why a disabled rep's lead is released, as its history and the admin read it. */
const RELEASE_REASON = 'rep switched off by an admin';
/** A lead that moved while it was being released is read again this often. */
const RELEASE_TRIES = 3;

/**
 * An admin switches a rep off (the rep's own availability switch stays theirs; this one is not).
 * 1. One conditional write sets the flag and bumps the rep's session version: every session and
 *    sign-in link ends, routing and the offer transaction skip them, their links answer 403.
 * 2. Every lead they hold that is offered or accepted is released through the lifecycle table, as
 *    a hand-back: back to routing (the next rep with room, else the team queue), their slot freed
 *    and they excluded, with its routing and the team queue's drain recorded in the same
 *    transaction. Contacted leads stay theirs and are reported, for the manager to follow up.
 * Running it again changes nothing more on the rep and releases whatever an offer made from a
 * roster read just before the switch (or an index read that lagged) left behind.
 */
export async function disableRep(repId: string, deps: ManageRepsDeps): Promise<DisableReport> {
  const { changed, rep } = await deps.reps.disable(repId);
  const released: string[] = [];
  const kept: string[] = [];
  for (const held of await deps.leads.ownerLeads(rep.id)) {
    const outcome = await releaseFrom(rep.id, held, deps);
    if (outcome === 'released') released.push(held.id);
    else if (outcome === 'kept') kept.push(held.id);
  }
  return { repId: rep.id, disabled: true, changed, sessionVersion: sessionVersionOf(rep), released, kept };
}

/** Releases one lead of a switched-off rep, reading it again when it moved meanwhile (accepted at the last second). */
async function releaseFrom(repId: string, first: Lead, deps: ManageRepsDeps): Promise<'released' | 'kept' | 'gone'> {
  let lead: Lead | undefined = first;
  for (let tries = 0; tries < RELEASE_TRIES && lead; tries++) {
    if (lead.ownerId !== repId) return 'gone';
    if (!allows('release', lead.status)) return 'kept';
    try {
      await deps.leads.commit('release', {
        lead,
        at: deps.now(),
        actor: 'admin',
        detail: { attempt: lead.attempt, reason: RELEASE_REASON },
        rep: { id: repId },
        effects: [routeAgain(lead.id), drainTeam(lead.teamId)],
      });
      return 'released';
    } catch (error) {
      if (!(error instanceof LeadStateConflict)) throw error;
      lead = await deps.leads.get(lead.id);
    }
  }
  return lead && lead.ownerId === repId ? 'kept' : 'gone';
}

/**
 * An admin switches a rep on again. Sessions ended by the switch-off stay ended (the rep signs
 * in afresh), and the team queue is offered again, as the rep may take a lead waiting there:
 * the drain is recorded in the switch's own write, so it is not lost if sending it fails.
 */
export async function enableRep(repId: string, deps: Pick<ManageRepsDeps, 'reps' | 'now'>): Promise<EnableReport> {
  const { changed, rep } = await deps.reps.enable(repId, (read) => [drainTeam(read.teamId)], deps.now());
  return { repId: rep.id, disabled: false, changed, sessionVersion: sessionVersionOf(rep) };
}

/** The fields an admin changes, in the order the answer lists them. */
export const ADMIN_FIELDS = ['name', 'email', 'teamId', 'capacity', 'maxCapacity'] as const;

/** What an admin sees of a rep after a change. */
export function repSummary(rep: RepProfile) {
  return {
    id: rep.id,
    name: rep.name,
    email: rep.email,
    teamId: rep.teamId,
    role: rep.role,
    active: rep.active,
    disabled: rep.disabled === true,
    capacity: rep.capacity,
    ...(rep.maxCapacity !== undefined ? { maxCapacity: rep.maxCapacity } : {}),
    openLeads: rep.openLeads,
    sessionVersion: sessionVersionOf(rep),
  };
}

export interface UpdateReport {
  readonly rep: ReturnType<typeof repSummary>;
  /** The fields that changed (empty when the rep already was so). */
  readonly changed: readonly (typeof ADMIN_FIELDS)[number][];
}

const invalid = (problems: readonly FieldProblem[]) => new InvalidLead(problems, 'Invalid rep');

/** A rep's changes written at most this often when the rep changes between read and write. */
const UPDATE_TRIES = 3;

/**
 * An admin changes an existing rep: name, email, team, capacity, the maximum the rep may set
 * themselves. Every problem is named by field (422); a maximum below the rep's capacity brings
 * the capacity down to it. The write is conditioned on the rep as read, so a profile save or
 * another change meanwhile makes it read again and check again rather than overwrite. A rep who
 * may now take a lead waiting in their team's queue has it offered again: the drain is recorded
 * in the change's own write (see `followUpsOf`), so it is not lost if sending it fails.
 */
export async function updateRep(repId: string, body: unknown, deps: Pick<ManageRepsDeps, 'reps' | 'config' | 'now'>): Promise<UpdateReport> {
  const parsed = repChangeSchema(deps.config.teams.map((team) => team.id)).safeParse(body);
  if (!parsed.success) throw invalid(fieldProblems(parsed.error));
  const request = parsed.data;
  if (ADMIN_FIELDS.every((field) => request[field] === undefined)) {
    throw invalid([{ field: '(body)', message: `name at least one of ${ADMIN_FIELDS.join(', ')}` }]);
  }
  for (let tries = 1; ; tries++) {
    const read = await deps.reps.get(repId);
    if (!read) throw new RepNotFound(repId);
    const changes = changesFor(read, request);
    const changed = ADMIN_FIELDS.filter((field) => changes[field] !== undefined);
    if (changed.length === 0) return { rep: repSummary(read), changed };
    if (changes.email !== undefined) {
      const holder = await deps.reps.findByEmail(changes.email);
      if (holder && holder.id !== read.id) throw invalid([{ field: 'email', message: `already belongs to rep ${holder.id}` }]);
    }
    try {
      return { rep: repSummary(await deps.reps.updateByAdmin(read, changes, followUpsOf(read, changes), deps.now())), changed };
    } catch (error) {
      if (error instanceof EmailTaken) {
        const holder = await deps.reps.findByEmail(changes.email ?? '');
        throw invalid([{ field: 'email', message: holder ? `already belongs to rep ${holder.id}` : 'belongs to another rep' }]);
      }
      if (!(error instanceof RepChangedMeanwhile)) throw error;
      if (tries >= UPDATE_TRIES) throw new TemporarilyUnavailable(`rep ${repId} keeps changing; try again`, { cause: error });
    }
  }
}

/**
 * What must follow an admin's change: a rep in another team, or with another capacity or
 * maximum, may take a lead waiting in the queue of the team they end up in, and so may a rep whose
 * bounced address was replaced (the change clears the mark, as an import does); that queue is
 * offered again, as when a rep is switched on. A rep switched off takes nothing, and a new name
 * changes nothing routing sees.
 */
function followUpsOf(read: RepProfile, changes: AdminRepChanges): NewEffect[] {
  if (read.disabled === true) return [];
  const routingSees = changes.teamId !== undefined || changes.capacity !== undefined || changes.maxCapacity !== undefined;
  const reachableAgain = changes.email !== undefined && read.unreachable !== undefined;
  return routingSees || reachableAgain ? [drainTeam(changes.teamId ?? read.teamId)] : [];
}

/**
 * The changes that make `read` what the admin asked for, only the fields that differ; refuses a
 * capacity above the maximum it ends up with.
 */
function changesFor(read: RepProfile, request: AdminRepChanges): AdminRepChanges {
  const maxCapacity = request.maxCapacity ?? read.maxCapacity;
  let capacity = request.capacity;
  if (maxCapacity !== undefined && capacity !== undefined && capacity > maxCapacity) {
    throw invalid([{ field: 'capacity', message: `must be at most the maxCapacity of ${maxCapacity}` }]);
  }
  // A lower maximum brings the capacity down with it.
  if (capacity === undefined && request.maxCapacity !== undefined && read.capacity > request.maxCapacity) capacity = request.maxCapacity;
  const differs = <K extends keyof AdminRepChanges>(field: K, value: AdminRepChanges[K], current: unknown) =>
    value !== undefined && value !== current ? { [field]: value } : {};
  return {
    ...differs('name', request.name, read.name),
    ...differs('email', request.email, read.email.toLowerCase()),
    ...differs('teamId', request.teamId, read.teamId),
    ...differs('capacity', capacity, read.capacity),
    ...differs('maxCapacity', request.maxCapacity, read.maxCapacity),
  };
}
