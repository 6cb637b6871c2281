import type middy from '@middy/core';
import { FranchiseMapCache } from '../adapters/franchise-cache.ts';
import { FranchiseMapReader } from '../adapters/franchise-store.ts';
import { decodeFranchiseMap } from '../franchise/franchise-codec.ts';
import { FranchiseIndex } from '../franchise/franchise-index.ts';
import { RoutingConfigSource } from '../franchise/routing-config-source.ts';
import type { RoutingConfig } from '../routing/config-schema.ts';
import { minutesToMs } from './runtime.ts';

/**
 * How soon a function decides with a franchise map imported on the running stack: it checks the
 * stored version this often (one small read), and loads the map only when that changed.
 * TIME_SCALE shortens it like every other duration, down to 10 s: a check is a read per warm
 * container, and more often than that would only add reads.
 */
export const FRANCHISE_REFRESH_MINUTES = 0.5;
export const franchiseRefreshMs = (scale?: number): number => Math.max(minutesToMs(FRANCHISE_REFRESH_MINUTES, scale), 10_000);

/** The index of a stored map. */
const indexOf = async (data: Uint8Array): Promise<FranchiseIndex> => FranchiseIndex.of(decodeFranchiseMap(data));

/**
 * The stack config's routing joined with the franchise map of the table, as a function at cold
 * start builds it. `refreshMs` 0 checks the version before every invocation (the routing
 * simulator, which answers for the map as it is now).
 */
export function routingSourceFor(
  env: { readonly TABLE_NAME: string; readonly TIME_SCALE?: number },
  base: RoutingConfig,
  options: { readonly refreshMs?: number } = {},
): RoutingConfigSource {
  const cache = new FranchiseMapCache({
    store: new FranchiseMapReader(env.TABLE_NAME),
    // Indexed once per version: the cache decodes only what it loads.
    decode: indexOf,
    refreshMs: options.refreshMs ?? franchiseRefreshMs(env.TIME_SCALE),
  });
  return new RoutingConfigSource(base, cache);
}

/** Brings the routing config up to date before the handler runs (a version check at most every few seconds). */
export const refreshRouting = (source: RoutingConfigSource): middy.MiddlewareObj => ({
  before: async () => {
    await source.refresh();
  },
});
