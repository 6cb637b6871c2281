/**
 * Keeps each team's roster for a few seconds, so the DynamoDB reads per lead do not grow with
 * the number of reps. Staleness is safe: the assignment transaction re-checks capacity and caps
 * and rejects a choice made on old numbers, and a rejected rep is dropped from the cached copy.
 */
export class RosterCache<R extends { readonly id: string }> {
  readonly #load: (teamId: string) => Promise<R[]>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { at: number; roster: Promise<R[]> }>();

  constructor(load: (teamId: string) => Promise<R[]>, ttlMs = 5_000, now: () => number = Date.now) {
    this.#load = load;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  async get(teamId: string): Promise<R[]> {
    const cached = this.#entries.get(teamId);
    if (cached && this.#now() - cached.at < this.#ttlMs) return cached.roster;
    // Share one load between concurrent callers; forget it if it fails.
    const roster = this.#load(teamId);
    this.#entries.set(teamId, { at: this.#now(), roster });
    roster.catch(() => this.#entries.delete(teamId));
    return roster;
  }

  /** The next read of this team goes to the table (after a conflict showed the copy is stale). */
  invalidate(teamId: string): void {
    this.#entries.delete(teamId);
  }
}
