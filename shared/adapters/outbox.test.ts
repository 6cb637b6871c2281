import { describe, expect, it } from 'vitest';
import { EffectRecordSchema, EffectStatus, Outbox, type NewEffect } from './outbox.ts';
import { dueIndexKeys, effectKey, REP_EFFECT_TTL_MS } from './table-items.ts';

const now = new Date('2026-03-01T10:00:00.000Z');
const drain: NewEffect = { purpose: 'drain-team', action: { kind: 'message', message: { drainTeam: 'dach' } } };
const signIn: NewEffect = { purpose: 'sign-in-email', action: { kind: 'email', email: { to: 'ana@example.com', subject: 'Sign in', html: '<p>x</p>', text: 'x' } } };
const queue = { enqueue: async () => undefined };

describe('the outbox records of an owner', () => {
  it("given a rep's drain and sign-in email, when recorded by a function that sends messages only, then both sit under the rep, the drain claimed by it, the email pending for the relay", () => {
    const outbox = new Outbox('leads', { performers: { queue }, retryBudgetMs: 120_000 });

    const { items, claimed } = outbox.records({ repId: 'ana' }, [drain, signIn], now);

    const [drainItem, emailItem] = items;
    expect(drainItem).toMatchObject({ ...effectKey({ repId: 'ana' }, String(drainItem!.id)), type: 'effect', repId: 'ana', purpose: 'drain-team', status: EffectStatus.claimed, attempts: 1 });
    expect(emailItem).toMatchObject({ ...effectKey({ repId: 'ana' }, String(emailItem!.id)), repId: 'ana', purpose: 'sign-in-email', status: EffectStatus.pending, attempts: 0 });
    expect(drainItem).toMatchObject(dueIndexKeys({ repId: 'ana' }, '2026-03-01T10:02:00.000Z', String(drainItem!.id)));
    for (const item of items) {
      expect(item).not.toHaveProperty('leadId');
      // A day after it was made, whatever lead TTL a caller might pass.
      expect(item.expiresAt).toBe((now.getTime() + REP_EFFECT_TTL_MS) / 1000);
    }
    expect(claimed.map((effect) => effect.purpose)).toEqual(['drain-team']);
    expect(EffectRecordSchema.parse(drainItem)).toMatchObject({ repId: 'ana' });
  });

  it("given a lead's effect, when recorded, then it sits under the lead and expires with it", () => {
    const outbox = new Outbox('leads', { performers: {}, retryBudgetMs: 120_000 });

    const { items } = outbox.records({ leadId: 'lead-1' }, [drain], now, 1_900_000_000);

    expect(items[0]).toMatchObject({ ...effectKey({ leadId: 'lead-1' }, String(items[0]!.id)), leadId: 'lead-1', expiresAt: 1_900_000_000, status: EffectStatus.pending });
    expect(items[0]).not.toHaveProperty('repId');
  });

  it.each([
    ['a lead', { leadId: 'lead-1' }, true],
    ['a rep', { repId: 'ana' }, true],
    ['both a lead and a rep', { leadId: 'lead-1', repId: 'ana' }, false],
    ['nobody', {}, false],
  ])('given a stored effect record of %s, when read back, then it is an effect only with exactly one owner', (_name, owner, valid) => {
    const stored = { type: 'effect', id: 'e1', purpose: 'drain-team', action: drain.action, status: 'pending', createdAt: now.toISOString(), attempts: 0, ...owner };

    expect(EffectRecordSchema.safeParse(stored).success).toBe(valid);
  });
});
