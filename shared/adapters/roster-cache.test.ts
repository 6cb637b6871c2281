import { describe, expect, it } from 'vitest';
import { RosterCache, type RosterSource } from './roster-cache.ts';

interface Member {
  readonly id: string;
  readonly teamId: string;
  readonly openLeads?: number;
  readonly disabled?: boolean;
}

/** A team's reps kept in memory with when each last changed, read as the rep store reads them; every read is counted. */
class FakeRoster implements RosterSource<Member> {
  readonly reads: { kind: 'full' | 'changes'; teamId: string; since?: string }[] = [];
  readonly #reps = new Map<string, { rep: Member; changedAt: number }>();
  /** Set to hold reads until released, to see callers share them. */
  gate: Promise<void> | undefined;

  put(rep: Member, changedAt: number): void {
    this.#reps.set(rep.id, { rep, changedAt });
  }

  remove(id: string): void {
    this.#reps.delete(id);
  }

  async listTeam(teamId: string): Promise<Member[]> {
    this.reads.push({ kind: 'full', teamId });
    await this.gate;
    return [...this.#reps.values()].filter(({ rep }) => rep.teamId === teamId).map(({ rep }) => rep);
  }

  async teamChangesSince(teamId: string, since: string): Promise<Member[]> {
    this.reads.push({ kind: 'changes', teamId, since });
    await this.gate;
    // A move's write is stamped under the new team: the old team's change read never sees it.
    return [...this.#reps.values()].filter(({ rep, changedAt }) => rep.teamId === teamId && changedAt > Date.parse(since)).map(({ rep }) => rep);
  }
}

const TEAM = 'sales';
const SKEW = 10_000;

function cacheOver(fake: FakeRoster) {
  const clock = { now: 1_000_000 };
  const cache = new RosterCache(fake, { ttlMs: 5_000, fullRefreshMs: 300_000, skewMs: SKEW, now: () => clock.now });
  return { cache, clock };
}

const ids = (reps: readonly Member[]) => reps.map((rep) => rep.id).sort();

describe('RosterCache', () => {
  it('given a team read moments ago, when read again within the TTL, then the table is not read again, and after it only what changed since (less the skew) is read', async () => {
    const fake = new FakeRoster();
    fake.put({ id: 'ana', teamId: TEAM }, 0);
    fake.put({ id: 'ben', teamId: TEAM }, 0);
    const { cache, clock } = cacheOver(fake);

    const first = await cache.get(TEAM);
    clock.now += 4_999;
    const second = await cache.get(TEAM);
    clock.now += 1;
    await cache.get(TEAM);

    expect(second).toBe(first);
    expect(fake.reads).toEqual([
      { kind: 'full', teamId: TEAM },
      { kind: 'changes', teamId: TEAM, since: new Date(1_000_000 - SKEW).toISOString() },
    ]);
  });

  it('given a held roster, when reps change, join, switch off or move to another team, then the change read merges them by id, keeps the switched-off rep for the router to skip, and drops the one who moved', async () => {
    const fake = new FakeRoster();
    for (const id of ['ana', 'ben', 'cem']) fake.put({ id, teamId: TEAM, openLeads: 0 }, 0);
    const { cache, clock } = cacheOver(fake);
    await cache.get(TEAM);

    clock.now += 5_000;
    fake.put({ id: 'ana', teamId: TEAM, openLeads: 1 }, clock.now - 1);
    fake.put({ id: 'dan', teamId: TEAM, openLeads: 0 }, clock.now - 1);
    fake.put({ id: 'ben', teamId: TEAM, openLeads: 0, disabled: true }, clock.now - 1);
    const roster = await cache.get(TEAM);

    expect(roster).toEqual(
      expect.arrayContaining([
        { id: 'ana', teamId: TEAM, openLeads: 1 },
        { id: 'ben', teamId: TEAM, openLeads: 0, disabled: true },
        { id: 'cem', teamId: TEAM, openLeads: 0 },
        { id: 'dan', teamId: TEAM, openLeads: 0 },
      ]),
    );
    expect(roster).toHaveLength(4);

    // Cem moves: his write lands in the other team's changes; the router's refused offer patches him out.
    clock.now += 5_000;
    fake.put({ id: 'cem', teamId: 'support', openLeads: 0 }, clock.now - 1);
    expect(ids(await cache.get(TEAM))).toEqual(['ana', 'ben', 'cem', 'dan']);
    cache.patch(TEAM, 'cem', { id: 'cem', teamId: 'support', openLeads: 0 });
    expect(ids(await cache.get(TEAM))).toEqual(['ana', 'ben', 'dan']);
    expect(fake.reads.map((read) => read.kind)).toEqual(['full', 'changes', 'changes']);
  });

  it('given a held roster, when the full refresh interval has passed, then the whole team is read again, which also drops a rep who left unseen', async () => {
    const fake = new FakeRoster();
    fake.put({ id: 'ana', teamId: TEAM }, 0);
    fake.put({ id: 'ben', teamId: TEAM }, 0);
    const { cache, clock } = cacheOver(fake);
    await cache.get(TEAM);

    fake.remove('ben');
    clock.now += 295_000;
    expect(ids(await cache.get(TEAM))).toEqual(['ana', 'ben']);
    clock.now += 5_000;
    expect(ids(await cache.get(TEAM))).toEqual(['ana']);
    expect(fake.reads.map((read) => read.kind)).toEqual(['full', 'changes', 'full']);
  });

  it('given concurrent reads of a cold team, and then of a stale one, then each time they share one read', async () => {
    const fake = new FakeRoster();
    fake.put({ id: 'ana', teamId: TEAM }, 0);
    const { cache, clock } = cacheOver(fake);

    await Promise.all([cache.get(TEAM), cache.get(TEAM), cache.get(TEAM)]);
    clock.now += 5_000;
    await Promise.all([cache.get(TEAM), cache.get(TEAM)]);

    expect(fake.reads.map((read) => read.kind)).toEqual(['full', 'changes']);
  });

  it('given a rep patched in after a refused offer, when read again within the TTL, then the fresh copy is there without any read, and a change read that started before the patch does not put the older copy back', async () => {
    const fake = new FakeRoster();
    fake.put({ id: 'ana', teamId: TEAM, openLeads: 0 }, 0);
    const { cache, clock } = cacheOver(fake);
    await cache.get(TEAM);

    cache.patch(TEAM, 'ana', { id: 'ana', teamId: TEAM, openLeads: 2 });
    expect(await cache.get(TEAM)).toEqual([{ id: 'ana', teamId: TEAM, openLeads: 2 }]);

    // A change read on its way with an older copy (the index lagging), and the rep patched meanwhile.
    clock.now += 5_000;
    fake.put({ id: 'ana', teamId: TEAM, openLeads: 1 }, clock.now - 1);
    let release = () => {};
    fake.gate = new Promise((done) => (release = done));
    const reading = cache.get(TEAM);
    cache.patch(TEAM, 'ana', { id: 'ana', teamId: TEAM, openLeads: 3 });
    release();

    expect(await reading).toEqual([{ id: 'ana', teamId: TEAM, openLeads: 3 }]);
    expect(fake.reads.map((read) => read.kind)).toEqual(['full', 'changes']);
  });

  it('given a rep patched in as gone, then they leave the roster', async () => {
    const fake = new FakeRoster();
    fake.put({ id: 'ana', teamId: TEAM }, 0);
    fake.put({ id: 'ben', teamId: TEAM }, 0);
    const { cache } = cacheOver(fake);
    await cache.get(TEAM);

    cache.patch(TEAM, 'ben', undefined);

    expect(ids(await cache.get(TEAM))).toEqual(['ana']);
  });

  it('given a held roster, when refreshed (capacity freed in the team), then the next read is a change read however recent the copy, and an invalidation makes it a full read', async () => {
    const fake = new FakeRoster();
    fake.put({ id: 'ana', teamId: TEAM, openLeads: 1 }, 0);
    const { cache, clock } = cacheOver(fake);
    await cache.get(TEAM);

    clock.now += 1_000;
    fake.put({ id: 'ana', teamId: TEAM, openLeads: 0 }, clock.now - 1);
    cache.refresh(TEAM);
    expect(await cache.get(TEAM)).toEqual([{ id: 'ana', teamId: TEAM, openLeads: 0 }]);
    cache.invalidate(TEAM);
    await cache.get(TEAM);

    expect(fake.reads.map((read) => read.kind)).toEqual(['full', 'changes', 'full']);
  });

  it('given a failed first read, when read again, then the team is read whole again; given a failed change read, then the held copy stays for the next try', async () => {
    const fake = new FakeRoster();
    fake.put({ id: 'ana', teamId: TEAM }, 0);
    const { cache, clock } = cacheOver(fake);
    fake.gate = Promise.reject(new Error('throttled'));
    fake.gate.catch(() => undefined);
    await expect(cache.get(TEAM)).rejects.toThrow('throttled');
    fake.gate = undefined;
    await cache.get(TEAM);

    clock.now += 5_000;
    fake.gate = Promise.reject(new Error('throttled'));
    fake.gate.catch(() => undefined);
    await expect(cache.get(TEAM)).rejects.toThrow('throttled');
    fake.gate = undefined;
    expect(ids(await cache.get(TEAM))).toEqual(['ana']);

    expect(fake.reads.map((read) => read.kind)).toEqual(['full', 'full', 'changes', 'changes']);
  });

  it('given a source that reads whole teams only, when the TTL has passed, then the whole team is read again', async () => {
    let reads = 0;
    const clock = { now: 0 };
    const cache = new RosterCache({ listTeam: async (teamId) => [{ id: `rep-${++reads}`, teamId }] }, { ttlMs: 60_000, now: () => clock.now });

    await cache.get(TEAM);
    clock.now = 60_000;

    expect(await cache.get(TEAM)).toEqual([{ id: 'rep-2', teamId: TEAM }]);
  });
});

describe('RosterCache with a view', () => {
  /** A view that records how it was built and changed, holding the reps by id. */
  class RecordingView {
    readonly reps: Map<string, Member>;
    readonly changes: string[] = [];
    constructor(list: readonly Member[]) {
      this.reps = new Map(list.map((rep) => [rep.id, rep]));
    }
    put(rep: Member): void {
      this.changes.push(`put ${rep.id}`);
      this.reps.set(rep.id, rep);
    }
    remove(id: string): void {
      this.changes.push(`remove ${id}`);
      this.reps.delete(id);
    }
  }

  it('given a team whose view was built, when a rep is patched, another changes, one moves away and then the whole team is read again, then the same view takes each change rep by rep, and a new one is built from the whole read', async () => {
    const fake = new FakeRoster();
    fake.put({ id: 'ana', teamId: TEAM }, 0);
    fake.put({ id: 'ben', teamId: TEAM }, 0);
    fake.put({ id: 'cem', teamId: TEAM }, 0);
    const clock = { now: 1_000_000 };
    let built = 0;
    const cache = new RosterCache(fake, { ttlMs: 5_000, fullRefreshMs: 300_000, skewMs: SKEW, now: () => clock.now, view: (list) => (built++, new RecordingView(list)) });

    const view = await cache.view(TEAM);
    cache.patch(TEAM, 'ana', { id: 'ana', teamId: TEAM, openLeads: 1 });
    fake.put({ id: 'ben', teamId: TEAM, openLeads: 2 }, clock.now + 1);
    fake.put({ id: 'cem', teamId: 'other' }, clock.now + 1);
    clock.now += 5_000;
    const afterChanges = await cache.view(TEAM);
    clock.now += 300_000;
    const afterWholeRead = await cache.view(TEAM);

    expect(afterChanges).toBe(view);
    // The move is stamped under the other team: only the next whole read drops cem.
    expect(view?.changes).toEqual(['put ana', 'put ben']);
    expect([...(view?.reps.values() ?? [])]).toEqual([
      { id: 'ana', teamId: TEAM, openLeads: 1 },
      { id: 'ben', teamId: TEAM, openLeads: 2 },
      { id: 'cem', teamId: TEAM },
    ]);
    expect(afterWholeRead).not.toBe(view);
    expect(ids([...(afterWholeRead?.reps.values() ?? [])])).toEqual(['ana', 'ben']);
    expect(built).toBe(2);
  });

  it('given a cache built without a view, when asked for one, then there is none', async () => {
    const fake = new FakeRoster();
    fake.put({ id: 'ana', teamId: TEAM }, 0);
    expect(await cacheOver(fake).cache.view(TEAM)).toBeUndefined();
  });
});
