/** What the skeleton router needs to know about a rep to choose among them. */
export interface RosterEntry {
  readonly id: string;
  readonly active: boolean;
  readonly capacity: number;
  readonly openLeads: number;
  /** ISO time of the rep's last offer; the rotation's memory. */
  readonly lastOfferedAt: string;
}

/**
 * Round robin among the reps who can take one more lead: the one whose last offer is oldest
 * goes first, ties broken by id so the order is deterministic. Because the rotation is kept as
 * a timestamp on each rep rather than a pointer into a list, adding or removing reps never
 * resets anyone's place. Returns every candidate in order, so the caller can fall through to
 * the next when a concurrent router filled the first one.
 */
export function roundRobinOrder<R extends RosterEntry>(roster: readonly R[], exclude: ReadonlySet<string> = new Set()): R[] {
  return roster
    .filter((rep) => rep.active && rep.openLeads < rep.capacity && !exclude.has(rep.id))
    .sort((a, b) => (a.lastOfferedAt === b.lastOfferedAt ? compare(a.id, b.id) : compare(a.lastOfferedAt, b.lastOfferedAt)));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
