import { describe, expect, it } from 'vitest';
import { LeadStateConflict } from '../domain/errors.ts';
import { createLead, LeadStatus, parseLeadInput, type Lead } from '../domain/lead.ts';
import { RoutingConfigSchema } from '../routing/config-schema.ts';
import { RepProfileSchema, type RepProfile } from '../routing/eligibility.ts';
import { InMemoryLeads, InMemoryReps } from './in-memory-ports.ts';
import { rankCandidates } from '../routing/engine.ts';
import { drainTeamQueue, FULL_ACCOUNT_REPS, routeLead, type Roster, type RouteLeadDeps } from './route-lead.ts';

const NOW = new Date('2026-03-02T10:00:00.000Z');
const at = (minutesFromNow: number) => new Date(NOW.getTime() + minutesFromNow * 60_000).toISOString();
const TEAM = 'dach-sales';

// Default scoring and tiers: a lead with an email is warm, 15 minutes to accept, 120 to contact,
// reminded 30 before. The team rotates round robin: the rep offered longest ago goes first.
const config = RoutingConfigSchema.parse({ teams: [{ id: TEAM, name: 'DACH Sales', managerEmail: 'manager@example.com' }] });

const rep = (id: string, over: Partial<RepProfile> = {}): RepProfile =>
  RepProfileSchema.parse({ id, name: id, email: `${id}@example.com`, teamId: TEAM, capacity: 2, ...over });

const lead = (id: string, over: Partial<Lead> = {}): Lead => ({
  ...createLead(parseLeadInput({ firstName: 'Dana', email: 'dana@example.org' }), TEAM, { now: NOW, contactWithinMs: 120 * 60_000 }, id),
  ...over,
});

/** A roster as a warm router caches it: the snapshot given, with the reps patched into it, until refreshed; then the reps as stored. */
class CachedRoster implements Roster {
  readonly patched: { teamId: string; repId: string; fresh: RepProfile | undefined }[] = [];
  readonly refreshed: string[] = [];
  #snapshot: readonly RepProfile[] | undefined;
  readonly #reps: InMemoryReps;

  constructor(reps: InMemoryReps, snapshot?: readonly RepProfile[]) {
    this.#reps = reps;
    this.#snapshot = snapshot;
  }

  async get(teamId: string): Promise<readonly RepProfile[]> {
    return this.#snapshot ?? this.#reps.listTeam(teamId);
  }

  patch(teamId: string, repId: string, fresh: RepProfile | undefined): void {
    this.patched.push({ teamId, repId, fresh });
    if (this.#snapshot) this.#snapshot = this.#snapshot.flatMap((rep) => (rep.id !== repId ? [rep] : fresh?.teamId === teamId ? [fresh] : []));
  }

  refresh(teamId: string): void {
    this.refreshed.push(teamId);
    this.#snapshot = undefined;
  }
}

function router(given: { reps: RepProfile[]; leads: Lead[]; cachedRoster?: RepProfile[] }) {
  const reps = new InMemoryReps(given.reps);
  const leads = new InMemoryLeads(reps, given.leads);
  const roster = new CachedRoster(reps, given.cachedRoster);
  const deps: RouteLeadDeps = {
    leads,
    reps,
    roster,
    config,
    minutes: (minutes) => minutes * 60_000,
    actionUrl: (offered, repId, action) => `https://leads.example.com/a/${offered.id}/${offered.attempt}/${repId}/${action}`,
    now: () => NOW,
  };
  return { deps, leads, reps, roster };
}

describe('routeLead against in-memory ports', () => {
  it('given a warm lead and a team where one rep is full and one has room, when routed, then the rep with room is offered it in one transition that takes their capacity and records the offer email and the SLA timer', async () => {
    const { deps, leads, reps } = router({ reps: [rep('ana', { capacity: 1, openLeads: 1 }), rep('ben')], leads: [lead('lead-1')] });

    const outcome = await routeLead('lead-1', deps);

    expect(outcome).toEqual({ kind: 'offered', repId: 'ben', attempt: 1, receivedAt: NOW.toISOString(), offeredAt: NOW.toISOString() });
    expect(leads.committed.map((c) => c.name)).toEqual(['offer']);
    expect(await leads.get('lead-1')).toMatchObject({
      status: LeadStatus.offered,
      ownerId: 'ben',
      attempt: 1,
      tier: 'warm',
      contactDeadline: at(120),
      acceptDeadline: at(15),
    });
    expect((await reps.get('ben'))?.openLeads).toBe(1);
    expect((await reps.get('ana'))?.openLeads).toBe(1);
    const [email, timer] = leads.effects('lead-1');
    expect(email).toMatchObject({ purpose: 'offer-email', action: { kind: 'email', email: { to: 'ben@example.com' } } });
    expect(email?.action.kind === 'email' && email.action.email.html).toContain('https://leads.example.com/a/lead-1/1/ben/accept');
    expect(timer).toEqual({
      purpose: 'sla-timer',
      action: { kind: 'timer', input: { leadId: 'lead-1', attempt: 1, acceptDeadline: at(15), reminderAt: at(90), contactDeadline: at(120) } },
    });
  });

  it('given a cached roster that still shows the first rep with room, when their capacity is found taken at commit, then that rep is read afresh and patched into the roster, and the next rep is offered the lead', async () => {
    // Ana is first in the rotation (offered longest ago) but filled up since the roster was cached.
    const ana = rep('ana', { capacity: 1, lastOfferedAt: '2026-03-01T09:00:00.000Z' });
    const ben = rep('ben', { lastOfferedAt: '2026-03-02T09:00:00.000Z' });
    const { deps, leads, reps, roster } = router({ reps: [{ ...ana, openLeads: 1 }, ben], leads: [lead('lead-1')], cachedRoster: [ana, ben] });

    const outcome = await routeLead('lead-1', deps);

    expect(outcome).toMatchObject({ kind: 'offered', repId: 'ben' });
    // Ana as the offer would have left her, as read after the refusal, then Ben as the offer left him.
    expect(roster.patched).toEqual([
      { teamId: TEAM, repId: 'ana', fresh: expect.objectContaining({ id: 'ana', openLeads: 1, lastOfferedAt: NOW.toISOString() }) },
      { teamId: TEAM, repId: 'ana', fresh: expect.objectContaining({ id: 'ana', openLeads: 1, lastOfferedAt: '2026-03-01T09:00:00.000Z' }) },
      { teamId: TEAM, repId: 'ben', fresh: expect.objectContaining({ id: 'ben', openLeads: 1, lastOfferedAt: NOW.toISOString() }) },
    ]);
    expect(await roster.get(TEAM)).toContainEqual(expect.objectContaining({ id: 'ana', openLeads: 1 }));
    expect(leads.committed.map((c) => [c.name, c.request.rep?.id])).toEqual([['offer', 'ben']]);
    expect((await reps.get('ana'))?.openLeads).toBe(1);
  });

  it('given an offer whose transaction is still on its way, when the next lead is routed in the same environment, then it goes to the next rep in the rotation, not to the one being offered the first', async () => {
    const ana = rep('ana', { lastOfferedAt: '2026-03-01T09:00:00.000Z' });
    const ben = rep('ben', { lastOfferedAt: '2026-03-02T09:00:00.000Z' });
    const { deps, leads } = router({ reps: [ana, ben], leads: [lead('lead-1'), lead('lead-2')], cachedRoster: [ana, ben] });
    const onItsWay = Promise.withResolvers<void>();
    const committing: string[] = [];
    const commit = leads.commit.bind(leads);
    deps.leads.commit = async (name, request) => {
      committing.push(request.lead.id);
      if (request.lead.id === 'lead-1') await onItsWay.promise;
      return commit(name, request);
    };

    const first = routeLead('lead-1', deps);
    await expect.poll(() => committing).toEqual(['lead-1']);
    const second = await routeLead('lead-2', deps);
    onItsWay.resolve();

    expect(second).toMatchObject({ kind: 'offered', repId: 'ben' });
    expect(await first).toMatchObject({ kind: 'offered', repId: 'ana' });
  });

  it('given an offer whose lead moved on meanwhile, when its transaction is refused, then the cached roster shows the rep as before', async () => {
    const ana = rep('ana', { lastOfferedAt: '2026-03-01T09:00:00.000Z' });
    const { deps, leads, roster } = router({ reps: [ana], leads: [lead('lead-1')], cachedRoster: [ana] });
    deps.leads.commit = async () => {
      throw new LeadStateConflict('lead-1 moved on');
    };

    await expect(routeLead('lead-1', deps)).rejects.toThrow(LeadStateConflict);

    expect(await roster.get(TEAM)).toEqual([ana]);
    expect(leads.committed).toEqual([]);
  });

  it('given a cached roster that still lists a rep an admin moved to another team, when routed, then the offer refuses them, they leave the cached roster, and the next rep in the team is offered the lead', async () => {
    const ana = rep('ana', { lastOfferedAt: '2026-03-01T09:00:00.000Z' });
    const ben = rep('ben', { lastOfferedAt: '2026-03-02T09:00:00.000Z' });
    const { deps, leads, reps, roster } = router({ reps: [{ ...ana, teamId: 'other-team' }, ben], leads: [lead('lead-1')], cachedRoster: [ana, ben] });

    const outcome = await routeLead('lead-1', deps);

    expect(outcome).toMatchObject({ kind: 'offered', repId: 'ben' });
    expect(leads.committed.map((c) => [c.name, c.request.rep?.id, c.request.rep?.teamId])).toEqual([['offer', 'ben', TEAM]]);
    expect((await roster.get(TEAM)).map((member) => member.id)).toEqual(['ben']);
    expect((await reps.get('ana'))?.openLeads).toBe(0);
  });

  it("given a cached roster, when a lead is offered, then the rep goes into it as the offer left them, so the next lead goes to the next rep in the rotation without a refused offer", async () => {
    const ana = rep('ana', { lastOfferedAt: '2026-03-01T09:00:00.000Z' });
    const ben = rep('ben', { lastOfferedAt: '2026-03-02T09:00:00.000Z' });
    const { deps, leads, roster } = router({ reps: [ana, ben], leads: [lead('lead-1'), lead('lead-2')], cachedRoster: [ana, ben] });

    const outcomes = [await routeLead('lead-1', deps), await routeLead('lead-2', deps)];

    expect(outcomes).toMatchObject([{ kind: 'offered', repId: 'ana' }, { kind: 'offered', repId: 'ben' }]);
    expect(leads.committed.map((c) => c.request.rep?.id)).toEqual(['ana', 'ben']);
    expect(await roster.get(TEAM)).toContainEqual(expect.objectContaining({ id: 'ana', openLeads: 1, lastOfferedAt: NOW.toISOString(), dayCount: 1, weekCount: 1 }));
  });

  it('given a team far larger than the history names, when a lead is offered, then its history names the first candidates in line and counts them all', async () => {
    const team = Array.from({ length: 120 }, (_, i) => rep(`rep-${String(i).padStart(3, '0')}`));
    const { deps, leads } = router({ reps: team, leads: [lead('lead-1')] });

    await routeLead('lead-1', deps);

    const [offer] = leads.committed;
    expect(offer?.request.detail).toMatchObject({ orderCount: 120, skippedCount: 0 });
    expect(offer?.request.detail?.order).toHaveLength(50);
  });

  it('given a team larger than the history accounts for rep by rep, when a lead is offered, then the first eligible rep in line gets it and the history names the reps checked and counts the rest as not checked', async () => {
    const size = FULL_ACCOUNT_REPS + 200;
    // The longest waiting is switched off (not in line at all), the next out of office (checked and skipped).
    const team = Array.from({ length: size }, (_, i) =>
      rep(`rep-${String(i).padStart(4, '0')}`, {
        lastOfferedAt: new Date(Date.parse('2026-03-01T00:00:00.000Z') + i * 60_000).toISOString(),
        ...(i === 0 ? { disabled: true } : i === 1 ? { outOfOfficeUntil: at(60) } : {}),
      }),
    );
    const { deps, leads } = router({ reps: team, leads: [lead('lead-1')] });

    const outcome = await routeLead('lead-1', deps);

    expect(outcome).toMatchObject({ kind: 'offered', repId: 'rep-0002' });
    const detail = leads.committed[0]?.request.detail as Record<string, unknown>;
    expect(detail).toMatchObject({ order: ['rep-0002'], orderCount: 1 });
    expect(detail).toMatchObject({ skipped: [{ repId: 'rep-0001', reason: 'out-of-office' }], skippedCount: 1, skippedByReason: { 'out-of-office': 1 } });
    expect(detail.unchecked).toBe(size - 2);
    expect(detail.explanation).toContain(`${detail.unchecked} more in the team not checked: the first eligible rep in line was offered`);
    // The same rep a check of every rep would put first.
    expect(rankCandidates(lead('lead-1'), { id: TEAM, strategy: 'round-robin' }, team, NOW).order[0]).toBe('rep-0002');
  });

  it('given nobody in the team with room, when the lead is routed twice, then it waits in the team queue with its timer and one notice to the manager, and the second routing keeps its place without a new transition', async () => {
    const { deps, leads } = router({ reps: [rep('ana', { capacity: 1, openLeads: 1 })], leads: [lead('lead-1')] });

    const first = await routeLead('lead-1', deps);
    const second = await routeLead('lead-1', deps);

    expect(first).toEqual({ kind: 'queued', teamId: TEAM, newlyQueued: true });
    expect(second).toEqual({ kind: 'queued', teamId: TEAM, newlyQueued: false });
    expect(leads.committed.map((c) => c.name)).toEqual(['queue']);
    expect(await leads.get('lead-1')).toMatchObject({ status: LeadStatus.queued, teamId: TEAM, attempt: 0 });
    expect(leads.effects('lead-1').map((effect) => effect.purpose)).toEqual(['sla-timer', 'queue-notice']);
    expect(leads.effects('lead-1')[1]).toMatchObject({ action: { kind: 'email', email: { to: 'manager@example.com' }, oncePer: { key: `TEAM#${TEAM}#QUEUE-NOTICE` } } });
  });

  it('given a lead already offered by another router and one erased since it was queued, when routed, then neither changes', async () => {
    const { deps, leads } = router({ reps: [rep('ana')], leads: [lead('lead-1', { status: LeadStatus.offered, ownerId: 'ana', attempt: 1 })] });

    expect(await routeLead('lead-1', deps)).toEqual({ kind: 'unchanged', status: LeadStatus.offered });
    expect(await routeLead('lead-erased', deps)).toEqual({ kind: 'gone' });
    expect(leads.committed).toEqual([]);
  });

  it('given two leads waiting in the team queue and a rep who just freed one slot, when the queue is drained, then the roster is refreshed, the older lead is offered and the other keeps its place', async () => {
    const queued = { status: LeadStatus.queued, tier: 'warm' as const, score: 10 };
    const { deps, leads, roster } = router({
      reps: [rep('ana', { capacity: 1 })],
      leads: [lead('lead-new', { ...queued, receivedAt: '2026-03-02T09:30:00.000Z' }), lead('lead-old', { ...queued, receivedAt: '2026-03-02T09:00:00.000Z' })],
    });

    const outcomes = await drainTeamQueue(TEAM, deps);

    expect(outcomes).toEqual([
      { kind: 'offered', repId: 'ana', attempt: 1, receivedAt: '2026-03-02T09:00:00.000Z', offeredAt: NOW.toISOString() },
      { kind: 'queued', teamId: TEAM, newlyQueued: false },
    ]);
    expect(leads.committed.map((c) => [c.name, c.lead.id])).toEqual([['offer', 'lead-old']]);
    expect((await leads.get('lead-new'))?.status).toBe(LeadStatus.queued);
    // The freed slot is found by reading what changed in the team, not the whole team.
    expect(roster.refreshed).toEqual([TEAM]);
  });
});
