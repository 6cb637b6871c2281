import { describe, expect, it } from 'vitest';
import { LeadNotFound } from '../domain/errors.ts';
import { createLead, LeadStatus, parseLeadInput, type Lead } from '../domain/lead.ts';
import { RoutingConfigSchema } from '../routing/config-schema.ts';
import { RepProfileSchema, type RepProfile } from '../routing/eligibility.ts';
import { InMemoryLeads, InMemoryReps } from './in-memory-ports.ts';
import { respondToOffer, viewOffer, type RespondToOfferDeps } from './respond-to-offer.ts';

const NOW = new Date('2026-03-02T10:05:00.000Z');
const TEAM = 'dach-sales';
const config = RoutingConfigSchema.parse({ teams: [{ id: TEAM, name: 'DACH Sales', managerEmail: 'manager@example.com' }] });

const rep = (id: string, over: Partial<RepProfile> = {}): RepProfile =>
  RepProfileSchema.parse({ id, name: id, email: `${id}@example.com`, teamId: TEAM, capacity: 2, ...over });

const received = createLead(parseLeadInput({ firstName: 'Dana', email: 'dana@example.org' }), TEAM, { now: new Date('2026-03-02T10:00:00.000Z'), contactWithinMs: 7_200_000 }, 'lead-1');
/** Offered to Ana in its first attempt, her one open lead. */
const offeredToAna: Lead = { ...received, status: LeadStatus.offered, ownerId: 'ana', attempt: 1, tier: 'warm', offeredAt: '2026-03-02T10:01:00.000Z' };

function responder(given: { reps: RepProfile[]; leads: Lead[] }) {
  const reps = new InMemoryReps(given.reps);
  const leads = new InMemoryLeads(reps, given.leads);
  const deps: RespondToOfferDeps = { leads, reps, config, minutes: (minutes) => minutes * 60_000, now: () => NOW };
  return { deps, leads, reps };
}

describe('respondToOffer against in-memory ports', () => {
  it('given a rep who passes on their offer, when it is carried out, then the lead is back for routing without them, their slot is free, and its routing and the team queue drain are recorded with it', async () => {
    const { deps, leads, reps } = responder({ reps: [rep('ana', { openLeads: 1 })], leads: [offeredToAna] });

    const result = await respondToOffer({ leadId: 'lead-1', repId: 'ana', attempt: 1, action: 'reject' }, deps, 'on holiday');

    expect(result).toMatchObject({ state: 'done', lead: { status: LeadStatus.received, excludedReps: ['ana'] } });
    expect(result.lead.ownerId).toBeUndefined();
    expect((await reps.get('ana'))?.openLeads).toBe(0);
    expect(leads.committed.map((c) => [c.name, c.request.detail])).toEqual([['pass', { attempt: 1, reason: 'on holiday' }]]);
    expect(leads.effects('lead-1').map((effect) => effect.action)).toEqual([
      { kind: 'message', message: { leadId: 'lead-1' } },
      { kind: 'message', message: { drainTeam: TEAM } },
    ]);
  });

  it('given an accept clicked twice, when both are carried out, then the first accepts the lead and the second is stale and changes nothing', async () => {
    const { deps, leads } = responder({ reps: [rep('ana', { openLeads: 1 })], leads: [offeredToAna] });
    const accept = { leadId: 'lead-1', repId: 'ana', attempt: 1, action: 'accept' } as const;

    const first = await respondToOffer(accept, deps);
    const second = await respondToOffer(accept, deps);

    expect(first).toMatchObject({ state: 'done', lead: { status: LeadStatus.accepted, acceptedAt: NOW.toISOString() } });
    expect(second).toMatchObject({ state: 'stale', lead: { status: LeadStatus.accepted } });
    expect(leads.committed.map((c) => c.name)).toEqual(['accept']);
    expect(await viewOffer(accept, deps)).toMatchObject({ state: 'stale', rep: { id: 'ana' } });
  });

  it('given a lead the offer was taken back from, when its old link is used, then the action is stale and the new attempt is untouched', async () => {
    const reoffered: Lead = { ...offeredToAna, ownerId: 'ben', attempt: 2, excludedReps: ['ana'] };
    const { deps, leads } = responder({ reps: [rep('ana'), rep('ben', { openLeads: 1 })], leads: [reoffered] });

    const result = await respondToOffer({ leadId: 'lead-1', repId: 'ana', attempt: 1, action: 'accept' }, deps);

    expect(result).toMatchObject({ state: 'stale', lead: { ownerId: 'ben', attempt: 2, status: LeadStatus.offered } });
    expect(leads.committed).toEqual([]);
  });

  it('given two reps claiming the same queued lead and one with no room left, when the claims are carried out, then exactly one wins it against their capacity, the other finds it stale, and the full rep is told so', async () => {
    const queued: Lead = { ...received, status: LeadStatus.queued, tier: 'warm', score: 10, openedAttempt: 0 };
    const { deps, leads, reps } = responder({ reps: [rep('ana'), rep('ben'), rep('cem', { capacity: 1, openLeads: 1 })], leads: [queued] });
    const claim = (repId: string) => respondToOffer({ leadId: 'lead-1', repId, attempt: 0, action: 'claim' }, deps);

    const full = await claim('cem');
    const [ana, ben] = await Promise.all([claim('ana'), claim('ben')]);

    expect(full.state).toBe('full');
    expect([ana.state, ben.state]).toEqual(['done', 'stale']);
    expect(ana.lead).toMatchObject({ status: LeadStatus.accepted, ownerId: 'ana', attempt: 1 });
    expect((await reps.get('ana'))?.openLeads).toBe(1);
    expect((await reps.get('ben'))?.openLeads).toBe(0);
    expect(leads.committed.map((c) => [c.name, c.request.rep?.id])).toEqual([['claim', 'ana']]);
    expect(leads.effects('lead-1')).toMatchObject([{ purpose: 'sla-timer', action: { kind: 'timer', input: { leadId: 'lead-1', attempt: 1, acceptDeadline: NOW.toISOString() } } }]);
  });

  it('given a lead erased since the link was sent, when the link is used, then it is not found', async () => {
    const { deps } = responder({ reps: [rep('ana')], leads: [] });

    await expect(respondToOffer({ leadId: 'lead-1', repId: 'ana', attempt: 1, action: 'accept' }, deps)).rejects.toBeInstanceOf(LeadNotFound);
  });
});
