import { beforeAll, describe, expect, it } from 'vitest';
import { countersFor } from '#shared/adapters/lead-store.ts';
import type { Rep } from '#shared/adapters/rep-store.ts';
import { RosterCache } from '#shared/adapters/roster-cache.ts';
import { RepUnavailable } from '#shared/domain/errors.ts';
import { useLocalStack, type LocalStackForTests } from './support.ts';

let stack: LocalStackForTests;

beforeAll(async () => {
  stack = await useLocalStack('route');
});

/** The ids of the team's reps changed after `since`, by the roster change index (gsi4). */
const changedSince = async (teamId: string, since: string) => (await stack.reps.teamChangesSince(teamId, since)).map((rep) => rep.id).sort();

/** An instant strictly after every write made so far, and before every write made from now on. */
async function instant(): Promise<string> {
  const at = new Date().toISOString();
  await new Promise((done) => setTimeout(done, 2));
  return at;
}

describe('the roster change index on DynamoDB Local', () => {
  it("given a team's reps read at an instant, when an admin changes one's capacity, one switches themselves off in the portal, an admin switches one off and one is offered a lead, then exactly those four are the team's changes since, each as it is now", async () => {
    const team = await stack.addTeam([{ capacity: 3 }, { capacity: 3 }, { capacity: 3 }, { capacity: 3 }, { capacity: 3 }]);
    const [resized, away, off, offered, untouched] = team.reps.map((rep) => rep.id) as [string, string, string, string, string];
    const leadId = await stack.receiveLead({ email: 'changes@example.com' }, team.id);
    const since = await instant();

    await stack.reps.updateByAdmin((await stack.reps.get(resized))!, { capacity: 5 });
    await stack.reps.updateProfile(away, { active: false, products: [], languages: [], capacity: 3, timeZone: 'UTC' });
    await stack.reps.disable(off);
    await stack.offerTo(leadId, offered);

    await expect.poll(() => changedSince(team.id, since)).toEqual([resized, away, off, offered].sort());
    const changes = new Map((await stack.reps.teamChangesSince(team.id, since)).map((rep) => [rep.id, rep]));
    expect(changes.get(resized)).toMatchObject({ capacity: 5 });
    expect(changes.get(away)).toMatchObject({ active: false });
    expect(changes.get(off)).toMatchObject({ disabled: true });
    expect(changes.get(offered)).toMatchObject({ openLeads: 1 });
    // Read back as a rep, without the index keys.
    expect(changes.get(offered)).not.toHaveProperty('gsi4sk');
    expect(changes.has(untouched)).toBe(false);
  });

  it('given a rep holding a lead, when they pass on it, then the freed slot is a change of their team since', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const repId = team.reps[0]!.id;
    const leadId = await stack.receiveLead({ email: 'passes@example.com' }, team.id);
    await stack.offerTo(leadId, repId);
    const since = await instant();

    await stack.repDoes('pass', leadId, repId);

    await expect.poll(() => stack.reps.teamChangesSince(team.id, since)).toEqual([expect.objectContaining({ id: repId, openLeads: 0 })]);
  });

  it("given a rep an admin moved to another team after a router read the old team, when the router offers them the old team's lead, then the offer is refused as RepUnavailable, the lead and the rep's load stay as they were, and the move is a change of the new team, not the old", async () => {
    const from = await stack.addTeam([{ capacity: 3 }]);
    const to = await stack.addTeam([{ capacity: 3 }]);
    const movedId = from.reps[0]!.id;
    const asCached = (await stack.reps.get(movedId))!;
    const leadId = await stack.receiveLead({ email: 'moved@example.com' }, from.id);
    const since = await instant();

    await stack.reps.updateByAdmin(asCached, { teamId: to.id });
    const lead = (await stack.leads.get(leadId))!;
    const now = new Date();
    const offer = stack.leads.commit('offer', {
      lead,
      at: now,
      actor: 'router',
      rep: { id: movedId, teamId: from.id, counters: countersFor(asCached, now) },
      set: { tier: 'warm', score: 0, teamId: from.id, acceptDeadline: new Date(now.getTime() + 15 * 60_000).toISOString() },
    });

    await expect(offer).rejects.toThrow(RepUnavailable);
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'RECEIVED', attempt: 0 });
    expect(await stack.reps.get(movedId)).toMatchObject({ teamId: to.id, openLeads: 0 });
    await expect.poll(() => changedSince(to.id, since)).toEqual([movedId]);
    expect(await changedSince(from.id, since)).toEqual([]);
    expect((await stack.reps.listTeam(from.id)).map((rep) => rep.id)).toEqual([]);
  });

  it('given the same offer for a rep still in the team, when committed, then it holds and stamps their new load under the team', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const repId = team.reps[0]!.id;
    const rep = (await stack.reps.get(repId))!;
    const leadId = await stack.receiveLead({ email: 'stays@example.com' }, team.id);
    const since = await instant();
    const now = new Date();

    await stack.leads.commit('offer', {
      lead: (await stack.leads.get(leadId))!,
      at: now,
      actor: 'router',
      rep: { id: repId, teamId: team.id, counters: countersFor(rep, now) },
      set: { tier: 'warm', score: 0, teamId: team.id, acceptDeadline: new Date(now.getTime() + 15 * 60_000).toISOString() },
    });

    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: repId });
    await expect.poll(() => stack.reps.teamChangesSince(team.id, since)).toEqual([expect.objectContaining({ id: repId, openLeads: 1 })]);
  });
});

describe('the incremental roster cache over the rep store on DynamoDB Local', () => {
  it('given a team the cache holds, when a rep changes and another joins, then the next read after the TTL brings both by reading only what changed, and the whole team is read once', async () => {
    const team = await stack.addTeam([{ capacity: 2 }, { capacity: 2 }]);
    const reads = { full: 0, changes: 0 };
    const cache = new RosterCache<Rep>(
      {
        listTeam: (teamId) => (reads.full++, stack.reps.listTeam(teamId)),
        teamChangesSince: (teamId, since) => (reads.changes++, stack.reps.teamChangesSince(teamId, since)),
      },
      { ttlMs: 0 },
    );
    expect((await cache.get(team.id)).map((rep) => rep.capacity)).toEqual([2, 2]);

    await stack.reps.updateByAdmin((await stack.reps.get(team.reps[0]!.id))!, { capacity: 4 });
    await stack.reps.add({ id: `${team.id}-joined`, name: 'Joined', email: `joined.${team.id}.${Date.now()}@example.com`, teamId: team.id, capacity: 1 });

    await expect
      .poll(async () => Object.fromEntries((await cache.get(team.id)).map((rep) => [rep.id, rep.capacity])))
      .toEqual({ [team.reps[0]!.id]: 4, [team.reps[1]!.id]: 2, [`${team.id}-joined`]: 1 });
    expect(reads.full).toBe(1);
    expect(reads.changes).toBeGreaterThan(0);
  });
});
