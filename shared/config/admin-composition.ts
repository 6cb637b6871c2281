import type { AdminRepStore } from '../adapters/admin-rep-store.ts';
import type { LeadStore } from '../adapters/lead-store.ts';
import type { RoutingConfig } from '../routing/config-schema.ts';
import type { ManageRepsDeps } from '../use-cases/manage-reps.ts';
import { adminRepStoreFor, leadStoreFor, type StoreEnvironment } from './composition.ts';
import type { RoutingConfigSource } from '../franchise/routing-config-source.ts';
import { routingSourceFor } from './routing-source.ts';

export interface RepManagement {
  /** The stack config's routing with the franchise map the table holds now (`routing.current`). */
  readonly routing: RoutingConfigSource;
  /** A rep switched off releases their leads, whose routing is sent at once after the commit. */
  readonly leads: LeadStore;
  /**
   * Reps switched on, reachable again or moved have their team queue offered again, recorded
   * with the write and sent at once after it.
   */
  readonly reps: AdminRepStore;
  /** What switching reps off and on, and an admin's changes to them, go through. */
  readonly manage: ManageRepsDeps;
}

/** What the admin functions that change reps (admin, admin-imports) build at cold start from their environment. */
export function repManagementFor(env: StoreEnvironment<'message'>, routingConfig: RoutingConfig): RepManagement {
  const routing = routingSourceFor(env, routingConfig);
  const leads = leadStoreFor(env, ['message']);
  const reps = adminRepStoreFor(env, ['message']);
  return {
    routing,
    leads,
    reps,
    manage: {
      reps,
      leads,
      get config() {
        return routing.current;
      },
      now: () => new Date(),
    },
  };
}
