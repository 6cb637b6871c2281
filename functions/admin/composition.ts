import { DeadLetters } from '#shared/adapters/dead-letters.ts';
import { DueIndex } from '#shared/adapters/due-index.ts';
import { IntakeStore } from '#shared/adapters/intake-store.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { LeadEraser } from '#shared/adapters/lead-erasure.ts';
import { repManagementFor } from '#shared/config/admin-composition.ts';
import { storeParts } from '#shared/config/composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import type { ManageSourcesDeps } from '#shared/use-cases/manage-sources.ts';

/** The admin function's adapters, built once at cold start from its environment. */
const env = loadEnvironment('admin');

/** The bearer key every admin route takes. */
export const adminKey = await loadSecret(env.ADMIN_API_KEY_SECRET);
/** The stack config as deployed; `routing.current` adds the franchise map the table holds now. */
export const settings = env.STACK_CONFIG;
// Reads of leads and reps, and switching reps off and on and an admin's changes to them (`manage`).
export const { routing, leads, reps, manage } = repManagementFor(env, settings.routing);
export const due = new DueIndex(env.TABLE_NAME);
// Erasure offers the team queue the slot an erased lead freed at once.
export const eraser = new LeadEraser(env.TABLE_NAME, { outbox: storeParts(env, ['message']).outbox });
/** What redrive empties: routing's DLQ, then the platform fetch DLQ. */
export const deadLetters = [new DeadLetters(env.ROUTING_DLQ_URL, env.ROUTING_QUEUE_URL), new DeadLetters(env.PLATFORM_FETCH_DLQ_URL, env.PLATFORM_FETCH_QUEUE_URL)];
export const sources: ManageSourcesDeps = {
  intake: env.INTAKE_CONFIG,
  store: new IntakeStore(env.TABLE_NAME),
  masterKey: await loadSecret(env.SOURCE_SIGNING_SECRET),
  now: () => new Date(),
};
