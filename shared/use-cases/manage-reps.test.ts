import { describe, expect, it } from 'vitest';
import type { NewEffect } from '../adapters/outbox.ts';
import type { AdminRepChanges, Switched } from '../adapters/rep-store.ts';
import { RoutingConfigSchema } from '../routing/config-schema.ts';
import { RepProfileSchema, type RepProfile } from '../routing/eligibility.ts';
import { InMemoryReps } from './in-memory-ports.ts';
import { updateRep, type RepAdministration } from './manage-reps.ts';
import type { RepByEmail } from './ports.ts';

const NOW = new Date('2026-03-02T10:05:00.000Z');
const config = RoutingConfigSchema.parse({
  teams: [
    { id: 'dach-sales', name: 'DACH Sales', managerEmail: 'dach@example.com' },
    { id: 'uk-sales', name: 'UK Sales', managerEmail: 'uk@example.com' },
  ],
});

const rep = (id: string, over: Partial<RepProfile> = {}): RepProfile =>
  RepProfileSchema.parse({ id, name: `Rep ${id}`, email: `${id}@example.com`, teamId: 'dach-sales', capacity: 2, maxCapacity: 10, ...over });

/** An admin's writes as RepStore makes them, keeping what each change recorded with it. */
class AdministeredReps extends InMemoryReps implements RepByEmail, RepAdministration {
  /** The effects each admin change recorded with its write, in order. */
  readonly changes: { readonly repId: string; readonly effects: readonly NewEffect[]; readonly at: Date }[] = [];

  async findByEmail(): Promise<RepProfile | undefined> {
    return undefined;
  }

  // Switching on and off is not part of a change.
  async disable(): Promise<Switched> {
    throw new Error('not used by updateRep');
  }

  async enable(): Promise<Switched> {
    throw new Error('not used by updateRep');
  }

  async updateByAdmin(read: RepProfile, changes: AdminRepChanges, effects: readonly NewEffect[], at: Date): Promise<RepProfile> {
    const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    const { unreachable: _mark, ...rest } = read;
    const changed = { ...(changes.email !== undefined ? rest : read), ...defined };
    this.put(changed);
    this.changes.push({ repId: read.id, effects, at });
    return changed;
  }
}

function admin(reps: readonly RepProfile[]) {
  const store = new AdministeredReps(reps);
  return { store, deps: { reps: store, config, now: () => NOW } };
}

const drain = (teamId: string): NewEffect => ({ purpose: 'drain-team', action: { kind: 'message', message: { drainTeam: teamId } } });

describe('updateRep against in-memory ports', () => {
  it.each<[string, Record<string, unknown>, RepProfile, NewEffect[]]>([
    ['a move to another team', { teamId: 'uk-sales' }, rep('ana'), [drain('uk-sales')]],
    ['a higher capacity', { capacity: 3 }, rep('ana'), [drain('dach-sales')]],
    ['a new maximum', { maxCapacity: 12 }, rep('ana'), [drain('dach-sales')]],
    ['a new address for a rep whose old one bounced', { email: 'ana.fixed@example.com' }, rep('ana', { unreachable: { since: NOW.toISOString(), reason: 'bounce', address: 'ana@example.com', feedbackId: 'fb' } }), [drain('dach-sales')]],
    ['a new name only', { name: 'Ana Renamed' }, rep('ana'), []],
    ['a new address for a reachable rep', { email: 'ana.new@example.com' }, rep('ana'), []],
    ['a move of a switched-off rep', { teamId: 'uk-sales', capacity: 4 }, rep('ana', { disabled: true }), []],
  ])('given %s, when the admin changes the rep, then the write records the drain of the team they end up in only when they may now take a lead from it', async (_label, body, read, effects) => {
    const { store, deps } = admin([read]);

    await updateRep('ana', body, deps);

    expect(store.changes).toEqual([{ repId: 'ana', effects, at: NOW }]);
  });

  it('given a change that changes nothing, when the admin sends it, then nothing is written or recorded', async () => {
    const { store, deps } = admin([rep('ana')]);

    const report = await updateRep('ana', { teamId: 'dach-sales', capacity: 2 }, deps);

    expect(report.changed).toEqual([]);
    expect(store.changes).toEqual([]);
  });
});
