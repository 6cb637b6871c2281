/**
 * A list kept in the order of `compare`, as a list of short sorted chunks: finding, adding and
 * taking out one item costs a binary search and a shift within one chunk (at most `CHUNK`
 * items), however long the list, so a roster of 100,000 reps takes a changed rep in and out of
 * its place without moving the other 99,999.
 *
 * `compare` must be a total order on the items held (no two items compare equal), which is what
 * ending every order in the rep id gives.
 */
const CHUNK = 256;

export class SortedList<T> {
  readonly #compare: (a: T, b: T) => number;
  #chunks: T[][] = [];
  #size = 0;

  constructor(compare: (a: T, b: T) => number, items: readonly T[] = []) {
    this.#compare = compare;
    if (items.length > 0) {
      const sorted = [...items].sort(compare);
      for (let i = 0; i < sorted.length; i += CHUNK / 2) this.#chunks.push(sorted.slice(i, i + CHUNK / 2));
      this.#size = sorted.length;
    }
  }

  get size(): number {
    return this.#size;
  }

  /** Index of the first chunk whose last item is not before `item` (the chunk `item` belongs in). */
  #chunkFor(item: T): number {
    let lo = 0;
    let hi = this.#chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.#chunks[mid]!;
      if (this.#compare(chunk[chunk.length - 1]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position of the first item of `chunk` not before `item`. */
  #positionIn(chunk: readonly T[], item: T): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#compare(chunk[mid]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(item: T): void {
    this.#size++;
    if (this.#chunks.length === 0) {
      this.#chunks.push([item]);
      return;
    }
    const c = this.#chunkFor(item);
    const chunk = this.#chunks[c]!;
    chunk.splice(this.#positionIn(chunk, item), 0, item);
    if (chunk.length > CHUNK) this.#chunks.splice(c + 1, 0, chunk.splice(CHUNK / 2));
  }

  /** Takes out the item that compares equal to `item`; false when there is none. */
  delete(item: T): boolean {
    if (this.#chunks.length === 0) return false;
    const c = this.#chunkFor(item);
    const chunk = this.#chunks[c]!;
    const at = this.#positionIn(chunk, item);
    if (at >= chunk.length || this.#compare(chunk[at]!, item) !== 0) return false;
    chunk.splice(at, 1);
    this.#size--;
    if (chunk.length === 0) this.#chunks.splice(c, 1);
    return true;
  }

  first(): T | undefined {
    return this.#chunks[0]?.[0];
  }

  last(): T | undefined {
    const chunk = this.#chunks[this.#chunks.length - 1];
    return chunk?.[chunk.length - 1];
  }

  /** The items in order, from the first not before `from` (from the start without it). */
  *values(from?: T): IterableIterator<T> {
    let c = from === undefined ? 0 : this.#chunkFor(from);
    let i = from === undefined || c >= this.#chunks.length ? 0 : this.#positionIn(this.#chunks[c]!, from);
    for (; c < this.#chunks.length; c++, i = 0) {
      const chunk = this.#chunks[c]!;
      for (; i < chunk.length; i++) yield chunk[i]!;
    }
  }

  /** A cursor over the items in order: cheaper than a generator on the hot path. */
  cursor(): SortedCursor<T> {
    return new SortedCursor(this.#chunks);
  }
}

/** Walks a `SortedList` in order. Valid only while the list is not changed. */
export class SortedCursor<T> {
  readonly #chunks: readonly (readonly T[])[];
  #c = 0;
  #i = 0;

  constructor(chunks: readonly (readonly T[])[]) {
    this.#chunks = chunks;
  }

  /** The item the cursor is at, or undefined past the end. */
  peek(): T | undefined {
    return this.#chunks[this.#c]?.[this.#i];
  }

  advance(): void {
    if (++this.#i >= (this.#chunks[this.#c]?.length ?? 0)) {
      this.#c++;
      this.#i = 0;
    }
  }
}
