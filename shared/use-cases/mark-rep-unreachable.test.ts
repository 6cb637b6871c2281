import { describe, expect, it } from 'vitest';
import type { NewEffect } from '../adapters/outbox.ts';
import { createLead, LeadStatus, parseLeadInput, type Lead } from '../domain/lead.ts';
import type { UndeliverableAddress } from '../domain/ses-feedback.ts';
import { RoutingConfigSchema } from '../routing/config-schema.ts';
import { RepProfileSchema, type RepProfile, type Unreachable } from '../routing/eligibility.ts';
import { InMemoryLeads, InMemoryReps } from './in-memory-ports.ts';
import { markRepUnreachable, type MarkRepUnreachableDeps, type UnreachableMarks } from './mark-rep-unreachable.ts';
import type { RepByEmail } from './ports.ts';

const NOW = new Date('2026-03-02T10:05:00.000Z');
const TEAM = 'dach-sales';
const MANAGER = 'manager@example.com';
const config = RoutingConfigSchema.parse({ teams: [{ id: TEAM, name: 'DACH Sales', managerEmail: MANAGER }] });

const rep = (id: string, over: Partial<RepProfile> = {}): RepProfile =>
  RepProfileSchema.parse({ id, name: `Rep ${id}`, email: `${id}@example.com`, teamId: TEAM, capacity: 2, ...over });

const bounce = (address: string): UndeliverableAddress => ({ address, reason: 'bounce', subType: 'General', feedbackId: 'fb-1', at: '2026-03-02T10:00:00.000Z' });

const received = createLead(parseLeadInput({ firstName: 'Dana', lastName: 'Unseen', email: 'dana@example.org' }), TEAM, { now: new Date('2026-03-02T09:00:00.000Z'), contactWithinMs: 7_200_000 }, 'lead-1');
const offeredToAna: Lead = { ...received, status: LeadStatus.offered, ownerId: 'ana', attempt: 1, tier: 'warm', offeredAt: '2026-03-02T09:01:00.000Z' };

/**
 * The reps with their marks, kept as RepStore keeps them: a mark only on the rep's own address
 * and only once, a notice only once per mark, and what each notice recorded with it (its email).
 */
class MarkedReps extends InMemoryReps implements RepByEmail, UnreachableMarks {
  readonly #ids: readonly string[];
  /** The effects each noticing write recorded, in order. */
  readonly notices: { readonly repId: string; readonly effects: readonly NewEffect[] }[] = [];

  constructor(reps: readonly RepProfile[]) {
    super(reps);
    this.#ids = reps.map((r) => r.id);
  }

  async findByEmail(email: string): Promise<RepProfile | undefined> {
    for (const id of this.#ids) {
      const found = await this.get(id);
      if (found?.email.toLowerCase() === email.toLowerCase()) return found;
    }
    return undefined;
  }

  async markUnreachable(repId: string, address: string, mark: Omit<Unreachable, 'noticedAt'>): Promise<boolean> {
    return this.change(repId, (found) => (found.email.toLowerCase() === address.toLowerCase() && !found.unreachable ? { ...found, unreachable: mark } : undefined));
  }

  async markUnreachableNoticed(repId: string, since: string, now: Date, effects: readonly NewEffect[]): Promise<boolean> {
    const noticed = this.change(repId, ({ unreachable, ...found }) =>
      unreachable?.since === since && unreachable.noticedAt === undefined ? { ...found, unreachable: { ...unreachable, noticedAt: now.toISOString() } } : undefined,
    );
    if (noticed) this.notices.push({ repId, effects });
    return noticed;
  }
}

function feedback(given: { reps: RepProfile[]; leads?: Lead[]; config?: MarkRepUnreachableDeps['config'] }) {
  const reps = new MarkedReps(given.reps);
  const leads = new InMemoryLeads(reps, given.leads ?? []);
  const deps: MarkRepUnreachableDeps = { reps, leads, config: given.config ?? config, now: () => NOW };
  return { deps, reps, leads };
}

describe('markRepUnreachable against in-memory ports', () => {
  it("given a rep holding an offer, when their address bounces, then the offer is taken back and the manager's email, naming it, is recorded with the notice", async () => {
    const { deps, reps, leads } = feedback({ reps: [rep('ana', { openLeads: 1 })], leads: [offeredToAna] });

    const outcome = await markRepUnreachable(bounce('ana@example.com'), deps);

    expect(outcome).toEqual({ kind: 'marked', repId: 'ana', takenBack: ['lead-1'], told: [MANAGER] });
    expect(leads.committed.map((c) => c.name)).toEqual(['undeliverable']);
    expect((await reps.get('ana'))?.unreachable).toMatchObject({ since: '2026-03-02T10:00:00.000Z', noticedAt: NOW.toISOString() });
    const [notice, ...more] = reps.notices;
    expect(more).toEqual([]);
    expect(notice!.effects).toEqual([{ purpose: 'unreachable-notice', action: { kind: 'email', email: expect.objectContaining({ to: MANAGER }) } }]);
    const { action } = notice!.effects[0]!;
    expect(action.kind === 'email' && action.email.text).toContain('Dana Unseen (warm) (lead lead-1)');
  });

  it('given the same bounce delivered again, and two deliveries at once, then each mark is noticed once: one delivery records the email and the others record nothing', async () => {
    const { deps, reps } = feedback({ reps: [rep('ana'), rep('ben')] });

    const first = await markRepUnreachable(bounce('ana@example.com'), deps);
    const again = await markRepUnreachable(bounce('ana@example.com'), deps);
    const both = await Promise.all([markRepUnreachable(bounce('ben@example.com'), deps), markRepUnreachable(bounce('ben@example.com'), deps)]);

    expect(first).toMatchObject({ kind: 'marked', told: [MANAGER] });
    expect(again).toMatchObject({ kind: 'already-marked', told: [] });
    expect(both.flatMap((outcome) => ('told' in outcome ? outcome.told : []))).toEqual([MANAGER]);
    expect(reps.notices.map((notice) => notice.repId)).toEqual(['ana', 'ben']);
  });

  it('given a delivery that marked the rep and died before the notice, when the next delivery comes, then it records the notice at once, with no lease to wait out', async () => {
    const { deps, reps } = feedback({ reps: [rep('ana')] });
    await reps.markUnreachable('ana', 'ana@example.com', { since: '2026-03-02T10:00:00.000Z', reason: 'bounce', address: 'ana@example.com', feedbackId: 'fb-1' });

    const outcome = await markRepUnreachable(bounce('ana@example.com'), deps);

    expect(outcome).toEqual({ kind: 'already-marked', repId: 'ana', takenBack: [], told: [MANAGER] });
    expect(reps.notices).toEqual([{ repId: 'ana', effects: [expect.objectContaining({ purpose: 'unreachable-notice' })] }]);
  });

  it.each([
    ['a team no longer in the config', rep('ana', { teamId: 'gone' }), config],
    ['a manager whose own address is the one that bounces', rep('ana'), RoutingConfigSchema.parse({ teams: [{ id: TEAM, name: 'DACH Sales', managerEmail: 'ana@example.com' }] })],
  ])('given %s, when the rep bounces, then the mark is noticed with nothing recorded and nobody told', async (_label, bounced, teams) => {
    const { deps, reps } = feedback({ reps: [bounced], config: teams });

    const outcome = await markRepUnreachable(bounce('ana@example.com'), deps);

    expect(outcome).toMatchObject({ kind: 'marked', told: [] });
    expect(reps.notices).toEqual([{ repId: 'ana', effects: [] }]);
    expect((await reps.get('ana'))?.unreachable?.noticedAt).toBe(NOW.toISOString());
  });
});
