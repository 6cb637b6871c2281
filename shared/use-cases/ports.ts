import type { LeadEvent, TransitionRequest } from '../adapters/lead-store.ts';
import type { Lead } from '../domain/lead.ts';
import type { TransitionName } from '../domain/lifecycle.ts';
import type { RepProfile } from '../routing/eligibility.ts';

/**
 * The ports several use cases share: what they ask of the leads and the reps, one small
 * interface per need, named by the methods the use cases call. A port only one use case needs is
 * declared in that use case's module. The adapters (LeadStore, RepStore) satisfy them as they
 * are, so the handlers pass them unchanged; a unit test passes an in-memory fake of just the
 * ports its use case names. No use case sends anything itself: what follows a write, a lead's or
 * a rep's, is recorded with the write and performed by the outbox.
 */

/** A lead as stored now; nothing once it was erased or expired. */
export interface LeadReader {
  get(leadId: string): Promise<Lead | undefined>;
}

/** A lead's history, oldest first. */
export interface LeadHistory {
  history(leadId: string): Promise<LeadEvent[]>;
}

/**
 * One transition of the lifecycle table, committed with its capacity change, history and
 * follow-up effects as one conditional write. Throws `LeadStateConflict` when the lead moved on
 * since it was read, `RepUnavailable` when the rep taking it has no room.
 */
export interface LeadTransitions {
  commit(name: TransitionName, request: TransitionRequest): Promise<{ readonly lead: Lead }>;
}

/** The leads waiting in a team's queue, in the order they are offered: hot first, then oldest. */
export interface QueuedLeads {
  teamQueueLeads(teamId: string, limit?: number): Promise<Lead[]>;
}

/** The leads a rep holds now (offered, accepted, contacted). */
export interface HeldLeads {
  ownerLeads(repId: string): Promise<Lead[]>;
}

export interface RepReader {
  get(repId: string): Promise<RepProfile | undefined>;
}

/** The rep who has this address, whatever their id. */
export interface RepByEmail {
  findByEmail(email: string): Promise<RepProfile | undefined>;
}

export interface TeamMembers {
  listTeam(teamId: string): Promise<RepProfile[]>;
}
