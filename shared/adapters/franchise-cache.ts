import type { FranchiseMapReader } from './franchise-store.ts';

export interface FranchiseMapCacheOptions<T> {
  readonly store: Pick<FranchiseMapReader, 'version' | 'current'>;
  /** The stored bytes as what the router uses (the franchise map codec, an index built from it). */
  readonly decode: (data: Uint8Array) => T | Promise<T>;
  /** How often at most the store is asked whether the map changed. */
  readonly refreshMs: number;
  readonly now?: () => number;
}

export type CachedFranchiseMap<T> = { readonly version: number; readonly value: T } | undefined;

/**
 * The franchise map a router holds between leads: loaded whole once, then at most once per
 * `refreshMs` a cheap look at the current version (`version()`, half a read unit), and loaded
 * again only when it moved on. Concurrent callers share one load or check.
 *
 * A failed first load is not kept: there is nothing to serve, so it fails, and the next call
 * tries again. Once a map is held, a failed check or reload (the store, or a version the decoder
 * cannot read) leaves it served as it is, silently, and is tried again after another
 * `refreshMs`, not on every lead: a version that cannot be decoded is not downloaded per call.
 */
export class FranchiseMapCache<T> {
  readonly #store: FranchiseMapCacheOptions<T>['store'];
  readonly #decode: (data: Uint8Array) => T | Promise<T>;
  readonly #refreshMs: number;
  readonly #now: () => number;
  /** What was loaded (undefined inside: no map was published) and when it was last known current; undefined until the first load succeeds. */
  #held: { readonly map: CachedFranchiseMap<T>; readonly checkedAt: number } | undefined;
  #pending: Promise<CachedFranchiseMap<T>> | undefined;

  constructor(options: FranchiseMapCacheOptions<T>) {
    this.#store = options.store;
    this.#decode = options.decode;
    this.#refreshMs = options.refreshMs;
    this.#now = options.now ?? Date.now;
  }

  get(): Promise<CachedFranchiseMap<T>> {
    if (this.#pending) return this.#pending;
    const held = this.#held;
    if (held && this.#now() - held.checkedAt < this.#refreshMs) return Promise.resolve(held.map);
    const pending = held ? this.#refresh(held.map) : this.#load();
    this.#pending = pending;
    const settle = () => {
      if (this.#pending === pending) this.#pending = undefined;
    };
    pending.then(settle, settle);
    return pending;
  }

  /** The next `get` asks the store again (after this container changed the map itself). */
  forget(): void {
    this.#held = undefined;
  }

  async #load(): Promise<CachedFranchiseMap<T>> {
    const checkedAt = this.#now();
    const current = await this.#store.current();
    const map = current && { version: current.version, value: await this.#decode(current.data) };
    this.#held = { map, checkedAt };
    return map;
  }

  async #refresh(map: CachedFranchiseMap<T>): Promise<CachedFranchiseMap<T>> {
    const checkedAt = this.#now();
    try {
      const version = await this.#store.version();
      // Versions only grow; an older one is an eventually consistent read that lags the load.
      if (version !== undefined && (map === undefined || version > map.version)) return await this.#load();
    } catch {
      // Served as held; tried again after another interval.
    }
    this.#held = { map, checkedAt };
    return map;
  }
}
