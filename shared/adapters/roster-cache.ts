/** A rep as the cache holds them: who, and which team their item says they are in. */
export interface RosterMember {
  readonly id: string;
  readonly teamId: string;
}

/** Where the cache reads rosters: the whole team, and (to keep a held roster current) only what changed. */
export interface RosterSource<R extends RosterMember> {
  listTeam(teamId: string): Promise<readonly R[]>;
  /**
   * The team's reps whose items changed after `since` (an ISO time), as they are now. Without
   * it, every refresh reads the whole team.
   */
  teamChangesSince?(teamId: string, since: string): Promise<readonly R[]>;
}

/**
 * Something kept beside a held roster and changed with it one rep at a time (the routing index),
 * built from the roster the first time it is asked for and again after each whole-team read.
 */
export interface RosterView<R> {
  put(rep: R): void;
  remove(id: string): void;
}

export interface RosterCacheOptions<R = never, V extends RosterView<R> = never> {
  /** Builds the view of a team's roster that `view` returns. */
  readonly view?: (reps: readonly R[]) => V;
  /** A held roster is used as it is this long; then what changed since is read (5 s). */
  readonly ttlMs?: number;
  /**
   * The whole team is read again this often (5 minutes): it catches what no change read can, a
   * rep who left the team (their writes go to the new team's changes) or whose item was deleted.
   */
  readonly fullRefreshMs?: number;
  /**
   * How far before its last read a change read looks back (10 s): writers' clocks differ from
   * this one, and the change index lags its writes a moment.
   */
  readonly skewMs?: number;
  readonly now?: () => number;
}

interface Snapshot<R> {
  readonly reps: ReadonlyMap<string, R>;
  readonly list: readonly R[];
  /** When the read this snapshot is from started (a full read or a change read). */
  readonly readAt: number;
  /** When the last full read started. */
  readonly fullAt: number;
}

interface Entry<R, V> {
  snapshot?: Snapshot<R>;
  /** Built on the first `view` call after a whole-team read; changed with the snapshot after that. */
  view?: V;
  /** The read in progress, shared by every caller meanwhile. */
  loading?: Promise<readonly R[]>;
  /** Forces a change read on the next get (capacity freed in the team). */
  stale?: boolean;
  /** Reps replaced by `patch`, and when: a read that started before keeps the patched copy. */
  readonly patches: Map<string, { readonly at: number; readonly rep: R | undefined }>;
}

/**
 * Keeps each team's roster in a warm router, so the DynamoDB reads per lead do not grow with the
 * number of reps: the whole team is read once (and every `fullRefreshMs`), and otherwise, at most
 * every `ttlMs`, only the reps whose items changed since (the roster change index, gsi4), merged
 * into the held copy by id. A router routing lead after lead into a team of 20,000 reads what
 * changed in it, not 20,000 reps.
 *
 * Staleness is safe: the offer transaction re-checks capacity, caps, the switches and the rep's
 * team, and rejects a choice made on old numbers; the router then reads that one rep afresh and
 * `patch`es it in, as it does with the rep its own offer changed. A rep switched off stays in the roster, as in a full read, and the router skips
 * them as `disabled`; a rep whose item says they are in another team now is dropped.
 */
export class RosterCache<R extends RosterMember, V extends RosterView<R> = never> {
  readonly #source: RosterSource<R>;
  readonly #buildView: ((reps: readonly R[]) => V) | undefined;
  readonly #ttlMs: number;
  readonly #fullRefreshMs: number;
  readonly #skewMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry<R, V>>();

  constructor(source: RosterSource<R>, options: RosterCacheOptions<R, V> = {}) {
    this.#source = source;
    this.#buildView = options.view;
    this.#ttlMs = options.ttlMs ?? 5_000;
    this.#fullRefreshMs = options.fullRefreshMs ?? 300_000;
    this.#skewMs = options.skewMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  async get(teamId: string): Promise<readonly R[]> {
    const entry = this.#entries.get(teamId) ?? this.#newEntry(teamId);
    if (entry.loading) return entry.loading;
    const now = this.#now();
    const held = entry.snapshot;
    if (held && !entry.stale && now - held.readAt < this.#ttlMs) return held.list;
    const full = !held || !this.#source.teamChangesSince || now - held.fullAt >= this.#fullRefreshMs;
    return this.#read(teamId, entry, full, now);
  }

  /**
   * The team's roster as `get` gives it, as the view the cache was built with: built once, then
   * changed rep by rep with every patch and change read, and built again after a whole-team read.
   * Undefined for a cache built without one.
   */
  async view(teamId: string): Promise<V | undefined> {
    if (this.#buildView === undefined) return undefined;
    const list = await this.get(teamId);
    const entry = this.#entries.get(teamId)!;
    return (entry.view ??= this.#buildView(list));
  }

  /**
   * The rep as just read (`fresh`; undefined when gone) after the offer transaction refused the
   * held copy, or as this router's own offer left them, in place of the held copy: the next lead
   * sees their current load without the whole team being read again. A rep now in another team
   * is dropped.
   */
  patch(teamId: string, repId: string, fresh: R | undefined): void {
    const entry = this.#entries.get(teamId);
    if (!entry) return;
    const rep = fresh?.teamId === teamId ? fresh : undefined;
    entry.patches.set(repId, { at: this.#now(), rep });
    if (entry.snapshot) entry.snapshot = withReps(entry.snapshot, [[repId, rep]], entry.view);
  }

  /**
   * The next read of this team looks for what changed, whatever the held copy's age: capacity
   * was just freed in it (a drain), and its reps' writes are stamped in the change index.
   */
  refresh(teamId: string): void {
    const entry = this.#entries.get(teamId);
    if (entry) entry.stale = true;
  }

  /** The next read of this team reads all of it, as if never read. */
  invalidate(teamId: string): void {
    this.#entries.delete(teamId);
  }

  #newEntry(teamId: string): Entry<R, V> {
    const entry: Entry<R, V> = { patches: new Map() };
    this.#entries.set(teamId, entry);
    return entry;
  }

  #read(teamId: string, entry: Entry<R, V>, full: boolean, startedAt: number): Promise<readonly R[]> {
    const held = entry.snapshot;
    const reading = full || !held ? this.#source.listTeam(teamId) : this.#source.teamChangesSince!(teamId, new Date(held.readAt - this.#skewMs).toISOString());
    entry.stale = false;
    const loading = reading.then(
      (reps) => {
        // A patch made while this read was on its way is newer than what it brings; older ones are in it.
        for (const [id, patch] of entry.patches) if (patch.at < startedAt) entry.patches.delete(id);
        const changes = new Map<string, R | undefined>();
        for (const rep of reps) if (!entry.patches.has(rep.id)) changes.set(rep.id, rep.teamId === teamId ? rep : undefined);
        for (const [id, patch] of entry.patches) changes.set(id, patch.rep);
        const whole = full || !held;
        const base = whole ? { reps: new Map<string, R>(), list: [], readAt: startedAt, fullAt: startedAt } : { ...held, readAt: startedAt };
        // A change read's changes go into the view as into the snapshot (a patch made meanwhile again: the same rep).
        if (whole) entry.view = undefined;
        entry.snapshot = withReps(base, changes, entry.view);
        entry.loading = undefined;
        return entry.snapshot.list;
      },
      (error: unknown) => {
        entry.loading = undefined;
        // A failed first read leaves nothing behind; a failed change read keeps the held copy for the next try.
        if (!entry.snapshot) this.#entries.delete(teamId);
        throw error;
      },
    );
    entry.loading = loading;
    return loading;
  }
}

/** The snapshot with these reps put in (or, for undefined, taken out) by id. */
function withReps<R extends RosterMember>(snapshot: Snapshot<R>, changes: Iterable<readonly [string, R | undefined]>, view?: RosterView<R>): Snapshot<R> {
  const reps = new Map(snapshot.reps);
  for (const [id, rep] of changes) {
    if (rep) reps.set(id, rep);
    else reps.delete(id);
    if (rep) view?.put(rep);
    else view?.remove(id);
  }
  return { ...snapshot, reps, list: [...reps.values()] };
}
