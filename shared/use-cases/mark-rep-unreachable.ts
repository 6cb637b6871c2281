import type { NewEffect } from '../adapters/outbox.ts';
import type { Lead } from '../domain/lead.ts';
import { allows } from '../domain/lifecycle.ts';
import type { UndeliverableAddress } from '../domain/ses-feedback.ts';
import type { RoutingConfig } from '../routing/config-schema.ts';
import type { RepProfile, Unreachable } from '../routing/eligibility.ts';
import { unreachableRepEmail } from '../views/emails.ts';
import { takeBackOffer } from './expire-offer.ts';
import { sendEmail } from './follow-ups.ts';
import type { HeldLeads, LeadTransitions, RepByEmail, RepReader } from './ports.ts';

/** The mark on a rep whose address SES cannot deliver to, and the one notice to their manager. */
export interface UnreachableMarks {
  /** Marks the rep while `address` is still theirs and unmarked; false when it was not. */
  markUnreachable(repId: string, address: string, mark: Omit<Unreachable, 'noticedAt'>): Promise<boolean>;
  /**
   * Notes the notice of the mark of `since`, recording `effects` (its email) in the same write,
   * unless it was noticed already or the mark is gone: false then, and nothing is recorded.
   */
  markUnreachableNoticed(repId: string, since: string, now: Date, effects: readonly NewEffect[]): Promise<boolean>;
}

export interface MarkRepUnreachableDeps {
  /** The notice's email is recorded with the notice and sent by the reps' outbox, at once or by the relay. */
  readonly reps: RepByEmail & RepReader & UnreachableMarks;
  readonly leads: HeldLeads & LeadTransitions;
  readonly config: Pick<RoutingConfig, 'teams'>;
  readonly now: () => Date;
}

export type UnreachableOutcome =
  /** This delivery marked the rep (`marked`) or found them marked (`already-marked`). */
  | {
      readonly kind: 'marked' | 'already-marked';
      readonly repId: string;
      /** Leads whose open offer to the rep was taken back and queued for routing. */
      readonly takenBack: readonly string[];
      /**
       * Whom the notice this delivery recorded goes to (sent at once, else by the relay); empty
       * when another delivery recorded it, or the team has nobody to tell.
       */
      readonly told: readonly string[];
    }
  /** A manager's, marketing's or a former address: nobody to take out of routing. */
  | { readonly kind: 'not-a-rep' }
  /** The rep has another address by now: this bounce is about the old one. */
  | { readonly kind: 'address-changed'; readonly repId: string };

/**
 * SES cannot deliver to this address (a permanent bounce or a complaint).
 * 1. Find the rep who has it; anybody else's address (a manager's) is none of routing's business.
 * 2. Mark the rep unreachable with one conditional write: redelivered and concurrent
 *    notifications find the mark and change nothing. Eligibility then skips the rep.
 * 3. Take back every offer still open to the rep (they never saw the email) and queue those
 *    leads for the next rep, as an expired offer is. Every delivery does this, so an offer made
 *    from a roster read just before the mark, which bounces in turn, is taken back too.
 * 4. Tell the team's manager once: which rep, which address, why, which leads moved, and how
 *    to put them back. The email is recorded (the outbox, under the rep) in the one conditional
 *    write that notes the notice for this mark, so exactly one delivery records it, and it goes
 *    out at once or else by the relay. A delivery that died after the mark and before the notice
 *    left the mark unnoticed, and the next one (Lambda's retry) records it; no lease is needed,
 *    as nothing is sent before the write that decides who tells.
 */
export async function markRepUnreachable(undeliverable: UndeliverableAddress, deps: MarkRepUnreachableDeps): Promise<UnreachableOutcome> {
  const found = await deps.reps.findByEmail(undeliverable.address);
  if (!found) return { kind: 'not-a-rep' };
  const mark: Unreachable = {
    since: undeliverable.at,
    reason: undeliverable.reason,
    address: undeliverable.address,
    ...(undeliverable.subType !== undefined ? { subType: undeliverable.subType } : {}),
    ...(undeliverable.diagnostic !== undefined ? { diagnostic: undeliverable.diagnostic } : {}),
    feedbackId: undeliverable.feedbackId,
  };
  const marked = await deps.reps.markUnreachable(found.id, undeliverable.address, mark);
  const rep = marked ? { ...found, unreachable: mark } : await deps.reps.get(found.id);
  if (!rep?.unreachable || rep.unreachable.address !== undeliverable.address) return { kind: 'address-changed', repId: found.id };

  const takenBack = await takeBackOpenOffers(rep, rep.unreachable, deps);
  const told = rep.unreachable.noticedAt === undefined ? await tellManagerOnce(rep, rep.unreachable, takenBack, deps) : [];
  return { kind: marked ? 'marked' : 'already-marked', repId: rep.id, takenBack: takenBack.map((lead) => lead.id), told };
}

async function takeBackOpenOffers(rep: RepProfile, mark: Unreachable, deps: MarkRepUnreachableDeps): Promise<Lead[]> {
  const why = mark.reason === 'bounce' ? `the offer email to ${mark.address} bounced` : `${mark.address} reported lead email as spam`;
  const takenBack: Lead[] = [];
  for (const lead of await deps.leads.ownerLeads(rep.id)) {
    if (!allows('undeliverable', lead.status)) continue;
    // Accepted leads stay: the rep has seen them (they followed a link) and is working on them.
    if (await takeBackOffer(lead, rep.id, why, deps, 'undeliverable')) takenBack.push(lead);
  }
  return takenBack;
}

/** Whom this delivery's notice goes to: nobody when another delivery noticed the mark first. */
async function tellManagerOnce(rep: RepProfile, mark: Unreachable, takenBack: readonly Lead[], deps: MarkRepUnreachableDeps): Promise<string[]> {
  const team = deps.config.teams.find((t) => t.id === rep.teamId);
  // A team no longer in the config has nobody to tell; nor is a manager told at the address that
  // bounces. The mark is noticed all the same, with nothing recorded.
  const told = team && team.managerEmail.toLowerCase() !== mark.address ? [team.managerEmail] : [];
  const timeZone = team?.businessHours?.timeZone;
  const effects = team && told.length > 0 ? [sendEmail('unreachable-notice', unreachableRepEmail({ rep, team, mark, takenBack, ...(timeZone ? { timeZone } : {}) }))] : [];
  return (await deps.reps.markUnreachableNoticed(rep.id, mark.since, deps.now(), effects)) ? told : [];
}
