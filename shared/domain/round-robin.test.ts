import { describe, expect, it } from 'vitest';
import { roundRobinOrder, type RosterEntry } from './round-robin.ts';

const rep = (id: string, over: Partial<RosterEntry> = {}): RosterEntry => ({
  id,
  active: true,
  capacity: 5,
  openLeads: 0,
  lastOfferedAt: '1970-01-01T00:00:00.000Z',
  ...over,
});

describe('roundRobinOrder', () => {
  it('given reps offered at different times, then the one offered longest ago comes first', () => {
    const order = roundRobinOrder([
      rep('a', { lastOfferedAt: '2026-01-01T10:02:00Z' }),
      rep('b', { lastOfferedAt: '2026-01-01T10:00:00Z' }),
      rep('c', { lastOfferedAt: '2026-01-01T10:01:00Z' }),
    ]);
    expect(order.map((r) => r.id)).toEqual(['b', 'c', 'a']);
  });

  it('given reps never offered anything, then ties are broken by id so the order is deterministic', () => {
    expect(roundRobinOrder([rep('zoe'), rep('ana'), rep('max')]).map((r) => r.id)).toEqual(['ana', 'max', 'zoe']);
  });

  it('given inactive, full and excluded reps, then only reps who can take a lead remain', () => {
    const order = roundRobinOrder(
      [rep('inactive', { active: false }), rep('full', { openLeads: 5 }), rep('passed'), rep('free', { openLeads: 4 })],
      new Set(['passed']),
    );
    expect(order.map((r) => r.id)).toEqual(['free']);
  });

  it('given N leads handed out in turn to k equal reps, then each rep gets N/k give or take one', () => {
    let roster = ['a', 'b', 'c'].map((id) => rep(id, { capacity: 100 }));
    const counts = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const [first] = roundRobinOrder(roster);
      if (!first) throw new Error('nobody available');
      counts.set(first.id, (counts.get(first.id) ?? 0) + 1);
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      roster = roster.map((r) => (r.id === first.id ? { ...r, openLeads: r.openLeads + 1, lastOfferedAt: at } : r));
    }
    const values = [...counts.values()];
    expect(values.reduce((a, b) => a + b, 0)).toBe(100);
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
  });
});
