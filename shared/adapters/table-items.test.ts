import { describe, expect, it } from 'vitest';
import type { Lead } from '../domain/lead.ts';
import {
  dueIndexKeys,
  dueShard,
  dueShards,
  effectExpiry,
  effectKey,
  eventItem,
  expiryWithin,
  leadKey,
  newLeadItems,
  ownedItemOf,
  ownerLabel,
  ownerOf,
  REP_EFFECT_TTL_MS,
  repKey,
  rosterChangeKeys,
  stampRosterChange,
  storedFields,
  teamRosterKeys,
  toLead,
  toLeadEvent,
  toRep,
} from './table-items.ts';

describe('table items', () => {
  it('given a lead, when its effect and due entry are keyed, then both sit under the lead and in one of the due shards', () => {
    const due = dueIndexKeys({ leadId: 'lead-1' }, '2026-03-01T10:00:00.000Z', 'e1');

    expect(effectKey({ leadId: 'lead-1' }, 'e1')).toEqual({ pk: leadKey('lead-1').pk, sk: 'EFFECT#e1' });
    expect(dueShards).toContain(due.gsi3pk);
    expect(due).toEqual({ gsi3pk: dueIndexKeys({ leadId: 'lead-1' }, 'later').gsi3pk, gsi3sk: '2026-03-01T10:00:00.000Z#lead-1#e1' });
  });

  it("given a rep, when their effect and its due entry are keyed, then the effect sits under the rep's profile key and its due entry names the rep, never a lead", () => {
    const due = dueIndexKeys({ repId: 'ana' }, '2026-03-01T10:00:00.000Z', 'e2');

    expect(effectKey({ repId: 'ana' }, 'e2')).toEqual({ pk: repKey('ana').pk, sk: 'EFFECT#e2' });
    expect(dueShards).toContain(due.gsi3pk);
    expect(due).toEqual({ gsi3pk: dueShard({ repId: 'ana' }), gsi3sk: '2026-03-01T10:00:00.000Z#REP#ana#e2' });
    // A lead whose id reads like the rep's name is another owner: its entries say so.
    expect(dueIndexKeys({ leadId: 'ana' }, '2026-03-01T10:00:00.000Z', 'e2').gsi3sk).toBe('2026-03-01T10:00:00.000Z#ana#e2');
  });

  it('given owners, when their due shard is taken, then it is the same every time and the shards of many owners spread over all of them', () => {
    const owners = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? { leadId: `lead-${i}` } : { repId: `rep-${i}` }));

    expect(dueShard({ repId: 'rep-1' })).toBe(dueShard({ repId: 'rep-1' }));
    expect(new Set(owners.map(dueShard))).toEqual(new Set(dueShards));
  });

  it.each([
    ['the lead', leadKey('lead-7'), { owner: { leadId: 'lead-7' } }],
    ["a lead's effect", effectKey({ leadId: 'lead-7' }, 'abc-1'), { owner: { leadId: 'lead-7' }, effectId: 'abc-1' }],
    ["a rep's effect", effectKey({ repId: 'rep-7' }, 'abc-2'), { owner: { repId: 'rep-7' }, effectId: 'abc-2' }],
  ])('given %s read from the due index, when its key is read back, then it names its owner (and effect)', (_name, key, expected) => {
    expect(ownedItemOf(key)).toEqual(expected);
  });

  it("given an effect record of either owner, when its owner is taken, then only the owner's id comes out, and it is named as messages name it", () => {
    const leads = { leadId: 'lead-1', id: 'e1', purpose: 'route' };
    const reps = { repId: 'ana', id: 'e2', purpose: 'sign-in-email' };

    expect(ownerOf(leads)).toEqual({ leadId: 'lead-1' });
    expect(ownerOf(reps)).toEqual({ repId: 'ana' });
    expect([ownerLabel({ leadId: 'lead-1' }), ownerLabel({ repId: 'ana' })]).toEqual(['lead lead-1', 'rep ana']);
  });

  it("given a lead's and a rep's effect recorded now, when they get their TTL, then the lead's expires with the lead and the rep's a day later", () => {
    const now = new Date('2026-03-01T10:00:00.000Z');

    expect(effectExpiry({ leadId: 'lead-1' }, now, 1_900_000_000)).toEqual({ expiresAt: 1_900_000_000 });
    expect(effectExpiry({ leadId: 'lead-1' }, now, undefined)).toEqual({});
    expect(effectExpiry({ repId: 'ana' }, now, 1_900_000_000)).toEqual({ expiresAt: (now.getTime() + REP_EFFECT_TTL_MS) / 1000 });
    expect(REP_EFFECT_TTL_MS).toBe(86_400_000);
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

  it("given a rep's change, when it is stamped in the roster change index, then it sits in the team's roster partition, by time with milliseconds, then the rep", () => {
    const at = new Date('2026-03-01T10:00:00.000Z');

    expect(rosterChangeKeys('sales', 'ana', at)).toEqual({ gsi4pk: teamRosterKeys('sales', 'ana').gsi1pk, gsi4sk: '2026-03-01T10:00:00.000Z#ana' });
  });

  it.each([
    ['a SET clause', 'SET openLeads = :n, loadChangedAt = :at', 'SET gsi4sk = :gsi4skStamp, openLeads = :n, loadChangedAt = :at'],
    ['a SET after a REMOVE', 'REMOVE unreachable SET email = :new', 'REMOVE unreachable SET gsi4sk = :gsi4skStamp, email = :new'],
    ['no SET clause', 'REMOVE disabled', 'SET gsi4sk = :gsi4skStamp REMOVE disabled'],
    ['only an ADD', 'ADD sessionVersion :one', 'SET gsi4sk = :gsi4skStamp ADD sessionVersion :one'],
  ])("given a rep's update with %s, when its change is stamped without the team, then the stamp joins the one SET clause and the update's values stay", (_name, expression, stamped) => {
    const at = new Date('2026-03-01T10:00:00.000Z');

    expect(stampRosterChange({ UpdateExpression: expression, ExpressionAttributeValues: { ':n': 1 } }, 'ana', { at })).toEqual({
      UpdateExpression: stamped,
      ExpressionAttributeValues: { ':n': 1, ':gsi4skStamp': '2026-03-01T10:00:00.000Z#ana' },
    });
  });

  it("given a rep's update that knows the rep's team, when its change is stamped, then it sets the change index's partition too", () => {
    const at = new Date('2026-03-01T10:00:00.000Z');

    expect(stampRosterChange({ UpdateExpression: 'SET openLeads = :n' }, 'ana', { teamId: 'sales', at })).toEqual({
      UpdateExpression: 'SET gsi4pk = :gsi4pkStamp, gsi4sk = :gsi4skStamp, openLeads = :n',
      ExpressionAttributeValues: { ':gsi4skStamp': '2026-03-01T10:00:00.000Z#ana', ':gsi4pkStamp': 'TEAM#sales' },
    });
  });

  it('given a stored rep, when read back, then the roster and change index keys are gone', () => {
    const item = { ...repKey('ana'), type: 'rep', ...teamRosterKeys('sales', 'ana'), ...rosterChangeKeys('sales', 'ana'), id: 'ana', teamId: 'sales' };

    expect(toRep(item)).toEqual({ id: 'ana', teamId: 'sales' });
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
