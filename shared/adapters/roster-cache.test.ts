import { describe, expect, it } from 'vitest';
import { RosterCache } from './roster-cache.ts';

describe('RosterCache', () => {
  it('given a team read moments ago, when read again within the TTL, then the table is not read again', async () => {
    let now = 0;
    let loads = 0;
    const cache = new RosterCache(async (team) => [{ id: `${team}-${++loads}` }], 5_000, () => now);

    const first = await cache.get('sales');
    now = 4_999;
    const second = await cache.get('sales');
    now = 5_000;
    const third = await cache.get('sales');

    expect(first).toBe(second);
    expect(third).toEqual([{ id: 'sales-2' }]);
    expect(loads).toBe(2);
  });

  it('given concurrent reads of a cold team, then they share one load', async () => {
    let loads = 0;
    const cache = new RosterCache(async () => [{ id: String(++loads) }]);
    await Promise.all([cache.get('t'), cache.get('t'), cache.get('t')]);
    expect(loads).toBe(1);
  });

  it('given a failed load or an invalidation, when read again, then the table is read again', async () => {
    let loads = 0;
    const cache = new RosterCache(async () => {
      loads++;
      if (loads === 1) throw new Error('throttled');
      return [{ id: 'a' }];
    });
    await expect(cache.get('t')).rejects.toThrow('throttled');
    await cache.get('t');
    cache.invalidate('t');
    await cache.get('t');
    expect(loads).toBe(3);
  });
});
