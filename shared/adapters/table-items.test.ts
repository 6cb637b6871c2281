import { describe, expect, it } from 'vitest';
import type { Lead } from '../domain/lead.ts';
import { dueIndexKeys, dueShards, effectKey, eventItem, expiryWithin, leadItemOf, leadKey, newLeadItems, storedFields, toLead, toLeadEvent } from './table-items.ts';

describe('table items', () => {
  it('given a lead, when its effect and due entry are keyed, then both sit under the lead and in one of the due shards', () => {
    const due = dueIndexKeys('lead-1', '2026-03-01T10:00:00.000Z', 'e1');

    expect(effectKey('lead-1', 'e1')).toEqual({ pk: leadKey('lead-1').pk, sk: 'EFFECT#e1' });
    expect(dueShards).toContain(due.gsi3pk);
    expect(due).toEqual({ gsi3pk: dueIndexKeys('lead-1', 'later').gsi3pk, gsi3sk: '2026-03-01T10:00:00.000Z#lead-1#e1' });
  });

  it.each([
    ['the lead', leadKey('lead-7'), { leadId: 'lead-7' }],
    ['an effect', effectKey('lead-7', 'abc-1'), { leadId: 'lead-7', effectId: 'abc-1' }],
  ])('given %s read from the due index, when its key is read back, then it names the lead (and effect)', (_name, key, expected) => {
    expect(leadItemOf(key)).toEqual(expected);
  });

  it("given fields named like Object's own properties or starting with the escape, when stored and read back, then the same fields come back", () => {
    const fields = Object.assign(Object.create(null) as Record<string, string>, JSON.parse('{"constructor":"x","__proto__":"z","toString":"y","~odd":"w"}'));
    const [put] = newLeadItems('leads', { id: 'lead-1', fields } as unknown as Lead, 99);
    const stored = (put!.Put.Item as { fields: Record<string, string> }).fields;

    expect(stored).toEqual({ '~constructor': 'x', '~__proto__': 'z', toString: 'y', '~~odd': 'w' });
    expect(Object.entries(toLead({ ...leadKey('lead-1'), fields: stored }).fields)).toEqual(Object.entries(fields));
    const event = toLeadEvent(eventItem('lead-1', { at: '2026-03-01T10:00:00.000Z', kind: 'resubmitted', actor: 'webhook', detail: { fields: storedFields(fields) } }, 99));
    expect(Object.entries(event.detail!.fields as object)).toEqual(Object.entries(fields));
  });

  it('given a stored lead and event, when read back, then the table and index keys are gone and the values stay', () => {
    const item = { ...leadKey('lead-1'), type: 'lead', gsi1pk: 'QUEUE#t', gsi1sk: '1#x', gsi3pk: 'DUE#0', gsi3sk: 'x', id: 'lead-1', attempt: 2, expiresAt: 99 };
    const event = eventItem('lead-1', { at: '2026-03-01T10:00:00.000Z', kind: 'offered', actor: 'router' }, 99);

    expect(toLead(item)).toEqual({ id: 'lead-1', attempt: 2, expiresAt: 99 });
    expect(toLeadEvent(event)).toEqual({ at: '2026-03-01T10:00:00.000Z', kind: 'offered', actor: 'router' });
  });

  it('given a lead with a TTL, when one of its events is keyed, then the event expires with the lead', () => {
    expect(eventItem('lead-1', { at: '2026-03-01T10:00:00.000Z', kind: 'offered', actor: 'router' }, 1_800_000_000)).toMatchObject({ expiresAt: 1_800_000_000 });
  });

  it.each([
    ['a window ending before the lead', 1_800_000_000, 1_700_000_000_500, { expiresAt: 1_700_000_001 }],
    ['a window ending after the lead', 1_800_000_000, 1_900_000_000_000, { expiresAt: 1_800_000_000 }],
    ['no window of its own', 1_800_000_000, undefined, { expiresAt: 1_800_000_000 }],
    ['a lead kept without a TTL', undefined, 1_700_000_000_000, { expiresAt: 1_700_000_000 }],
    ['neither', undefined, undefined, {}],
  ])('given %s, when an item of the lead gets its TTL, then it never outlives the lead', (_name, lead, window, expected) => {
    expect(expiryWithin(lead, window)).toEqual(expected);
  });
});
