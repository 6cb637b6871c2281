import { describe, expect, it } from 'vitest';
import { FranchiseMapCache } from './franchise-cache.ts';

/** The store's two reads over versions held in memory, counting calls and failing on demand. */
class InMemoryFranchiseStore {
  readonly versions: string[] = [];
  calls = { version: 0, current: 0 };
  failing: 'version' | 'current' | undefined;
  /** What `version()` answers instead of the truth: an eventually consistent read that lags. */
  lagging: number | undefined;

  publish(text: string): void {
    this.versions.push(text);
  }

  async version(): Promise<number | undefined> {
    this.calls.version++;
    await Promise.resolve();
    if (this.failing === 'version') throw new Error('throttled');
    return this.lagging ?? (this.versions.length || undefined);
  }

  async current() {
    this.calls.current++;
    await Promise.resolve();
    if (this.failing === 'current') throw new Error('throttled');
    const version = this.versions.length;
    if (version === 0) return undefined;
    return { version, changedAt: '2026-03-02T09:30:00.000Z', changedBy: 'admin:ana', data: new TextEncoder().encode(this.versions[version - 1]) };
  }
}

function setUp(decode: (data: Uint8Array) => string = (data) => new TextDecoder().decode(data)) {
  const store = new InMemoryFranchiseStore();
  const clock = { now: 0 };
  const cache = new FranchiseMapCache({ store, decode, refreshMs: 5_000, now: () => clock.now });
  return { store, clock, cache };
}

describe('FranchiseMapCache', () => {
  it('given a loaded map, when read again within the interval, then the store is not asked at all', async () => {
    const { store, clock, cache } = setUp();
    store.publish('v1');

    const first = await cache.get();
    clock.now = 4_999;
    const second = await cache.get();

    expect(first).toEqual({ version: 1, value: 'v1' });
    expect(second).toBe(first);
    expect(store.calls).toEqual({ version: 0, current: 1 });
  });

  it('given the interval passed and the version unchanged, when read, then only the version is asked and the map is kept', async () => {
    const { store, clock, cache } = setUp();
    store.publish('v1');
    const first = await cache.get();

    clock.now = 5_000;
    const second = await cache.get();
    clock.now = 9_999;
    await cache.get();

    expect(second).toBe(first);
    expect(store.calls).toEqual({ version: 1, current: 1 });
  });

  it('given a new version published, when read after the interval, then the new map is loaded and decoded', async () => {
    const { store, clock, cache } = setUp();
    store.publish('v1');
    await cache.get();
    store.publish('v2');

    expect(await cache.get()).toEqual({ version: 1, value: 'v1' });
    clock.now = 5_000;
    expect(await cache.get()).toEqual({ version: 2, value: 'v2' });
    expect(store.calls).toEqual({ version: 1, current: 2 });
  });

  it('given concurrent callers, when the map is loaded or checked, then they share one call', async () => {
    const { store, clock, cache } = setUp();
    store.publish('v1');

    const loaded = await Promise.all([cache.get(), cache.get(), cache.get()]);
    clock.now = 5_000;
    store.publish('v2');
    const refreshed = await Promise.all([cache.get(), cache.get()]);

    expect(loaded.map((map) => map?.value)).toEqual(['v1', 'v1', 'v1']);
    expect(refreshed.map((map) => map?.value)).toEqual(['v2', 'v2']);
    expect(store.calls).toEqual({ version: 1, current: 2 });
  });

  it('given the first load fails, when read again at once, then the store is tried again', async () => {
    const { store, cache } = setUp();
    store.publish('v1');
    store.failing = 'current';

    await expect(cache.get()).rejects.toThrow('throttled');
    store.failing = undefined;

    expect(await cache.get()).toEqual({ version: 1, value: 'v1' });
    expect(store.calls.current).toBe(2);
  });

  it.each(['version', 'current'] as const)('given a map held and its refresh failing in %s, then the held map is served and tried again an interval later', async (failing) => {
    const { store, clock, cache } = setUp();
    store.publish('v1');
    await cache.get();
    store.publish('v2');
    store.failing = failing;

    clock.now = 5_000;
    expect(await cache.get()).toEqual({ version: 1, value: 'v1' });
    clock.now = 6_000;
    expect(await cache.get()).toEqual({ version: 1, value: 'v1' });
    store.failing = undefined;
    clock.now = 10_000;
    expect(await cache.get()).toEqual({ version: 2, value: 'v2' });
    expect(store.calls.version).toBe(2);
  });

  it('given a new version its decoder cannot read, then the held map is served and the new one is not downloaded on every call', async () => {
    const { store, clock, cache } = setUp((data) => {
      const text = new TextDecoder().decode(data);
      if (text === 'garbled') throw new Error('unknown format');
      return text;
    });
    store.publish('v1');
    await cache.get();
    store.publish('garbled');

    clock.now = 5_000;
    expect(await cache.get()).toEqual({ version: 1, value: 'v1' });
    clock.now = 6_000;
    expect(await cache.get()).toEqual({ version: 1, value: 'v1' });
    expect(store.calls.current).toBe(2);
  });

  it('given no map published yet, then nothing is served, and a map published later is loaded after the interval', async () => {
    const { store, clock, cache } = setUp();

    expect(await cache.get()).toBeUndefined();
    clock.now = 5_000;
    expect(await cache.get()).toBeUndefined();
    store.publish('v1');
    clock.now = 10_000;

    expect(await cache.get()).toEqual({ version: 1, value: 'v1' });
    expect(store.calls).toEqual({ version: 2, current: 2 });
  });

  it('given the version read lagging behind the map loaded, then the map is not loaded again', async () => {
    const { store, clock, cache } = setUp();
    store.publish('v1');
    store.publish('v2');
    await cache.get();
    store.lagging = 1;

    clock.now = 5_000;
    expect(await cache.get()).toEqual({ version: 2, value: 'v2' });
    expect(store.calls).toEqual({ version: 1, current: 1 });
  });
});
