import { RepStore } from '#shared/adapters/rep-store.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { leadStoreFor } from '#shared/config/composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import { routingSourceFor } from '#shared/config/routing-source.ts';
import { minutesToMs } from '#shared/config/runtime.ts';
import { actionLinkBuilder } from '#shared/domain/link-token.ts';
import type { EscalateLeadDeps } from '#shared/use-cases/escalate-lead.ts';
import type { ExpireOfferDeps } from '#shared/use-cases/expire-offer.ts';
import type { RecoverTimerDeps } from '#shared/use-cases/recover-timer.ts';
import type { RemindOwnerDeps } from '#shared/use-cases/remind-owner.ts';

/** The escalate function's adapters, built once at cold start from its environment. */
const env = loadEnvironment('escalate');
const settings = env.STACK_CONFIG;
/** The stack config's routing with the franchise map the table holds now (see refreshRouting). */
export const routing = routingSourceFor(env, settings.routing);

/** What the four timer steps use. */
export const deps: ExpireOfferDeps & RemindOwnerDeps & EscalateLeadDeps & RecoverTimerDeps = {
  // Emails and routing at once; a new timer (after a failed step) is started by the relay, since
  // the timer's own function cannot name its state machine without a circular dependency.
  leads: leadStoreFor(env, ['email', 'message']),
  reps: new RepStore(env.TABLE_NAME),
  get settings() {
    return { ...settings, routing: routing.current };
  },
  get config() {
    return routing.current;
  },
  minutes: (minutes) => minutesToMs(minutes, env.TIME_SCALE),
  actionUrl: actionLinkBuilder(await loadSecret(env.LINK_SIGNING_SECRET), env.PUBLIC_BASE_URL, settings.linkTtlHours),
  now: () => new Date(),
};
