import type { Lead } from '../domain/lead.ts';
import { allows } from '../domain/lifecycle.ts';
import type { UndeliverableAddress } from '../domain/ses-feedback.ts';
import type { RoutingConfig } from '../routing/config-schema.ts';
import type { RepProfile, Unreachable } from '../routing/eligibility.ts';
import { unreachableRepEmail } from '../views/emails.ts';
import { takeBackOffer } from './expire-offer.ts';
import type { EmailSender, HeldLeads, LeadTransitions, RepByEmail, RepReader } from './ports.ts';

/** The mark on a rep whose address SES cannot deliver to, and the one notice to their manager. */
export interface UnreachableMarks {
  /** Marks the rep while `address` is still theirs and unmarked; false when it was not. */
  markUnreachable(repId: string, address: string, mark: Omit<Unreachable, 'noticeClaimedAt' | 'noticedAt'>, now: Date): Promise<boolean>;
  /** Claims the notice for `leaseMs` unless it went out or another delivery's lease still runs; false then. */
  claimUnreachableNotice(repId: string, now: Date, leaseMs: number): Promise<boolean>;
  markUnreachableNoticed(repId: string, since: string, now: Date): Promise<void>;
}

export interface MarkRepUnreachableDeps {
  readonly reps: RepByEmail & RepReader & UnreachableMarks;
  readonly leads: HeldLeads & LeadTransitions;
  readonly mailer: EmailSender;
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
      /** Who was told by this delivery (empty when told before, or the team has nobody to tell). */
      readonly told: readonly string[];
    }
  /** A manager's, marketing's or a former address: nobody to take out of routing. */
  | { readonly kind: 'not-a-rep' }
  /** The rep has another address by now: this bounce is about the old one. */
  | { readonly kind: 'address-changed'; readonly repId: string };

/**
 * A lease longer than sending one email takes, and shorter than Lambda's first retry of a
 * failed asynchronous invocation (about a minute), which may then take the notice over.
 */
export const NOTICE_LEASE_MS = 30_000;

/**
 * SES cannot deliver to this address (a permanent bounce or a complaint).
 * 1. Find the rep who has it; anybody else's address (a manager's) is none of routing's business.
 * 2. Mark the rep unreachable with one conditional write: redelivered and concurrent
 *    notifications find the mark and change nothing. Eligibility then skips the rep.
 * 3. Take back every offer still open to the rep (they never saw the email) and queue those
 *    leads for the next rep, as an expired offer is. Every delivery does this, so an offer made
 *    from a roster read just before the mark, which bounces in turn, is taken back too.
 * 4. Tell the team's manager once: which rep, which address, why, and how to put them back.
 */
export async function markRepUnreachable(undeliverable: UndeliverableAddress, deps: MarkRepUnreachableDeps): Promise<UnreachableOutcome> {
  const found = await deps.reps.findByEmail(undeliverable.address);
  if (!found) return { kind: 'not-a-rep' };
  const now = deps.now();
  const mark: Unreachable = {
    since: undeliverable.at,
    reason: undeliverable.reason,
    address: undeliverable.address,
    ...(undeliverable.subType !== undefined ? { subType: undeliverable.subType } : {}),
    ...(undeliverable.diagnostic !== undefined ? { diagnostic: undeliverable.diagnostic } : {}),
    feedbackId: undeliverable.feedbackId,
  };
  const marked = await deps.reps.markUnreachable(found.id, undeliverable.address, mark, now);
  const rep = marked ? { ...found, unreachable: mark } : await deps.reps.get(found.id);
  if (!rep?.unreachable || rep.unreachable.address !== undeliverable.address) return { kind: 'address-changed', repId: found.id };

  const takenBack = await takeBackOpenOffers(rep, rep.unreachable, deps);
  const tell = marked || (await deps.reps.claimUnreachableNotice(rep.id, now, NOTICE_LEASE_MS));
  const told = tell ? await tellManager(rep, rep.unreachable, takenBack, deps) : [];
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

async function tellManager(rep: RepProfile, mark: Unreachable, takenBack: readonly Lead[], deps: MarkRepUnreachableDeps): Promise<string[]> {
  const team = deps.config.teams.find((t) => t.id === rep.teamId);
  // A team no longer in the config has nobody to tell; nor is a manager told at the address that bounces.
  const told = team && team.managerEmail.toLowerCase() !== mark.address ? [team.managerEmail] : [];
  if (team && told.length > 0) {
    const timeZone = team.businessHours?.timeZone;
    await deps.mailer.send(unreachableRepEmail({ rep, team, mark, takenBack, ...(timeZone ? { timeZone } : {}) }));
  }
  await deps.reps.markUnreachableNoticed(rep.id, mark.since, deps.now());
  return told;
}
