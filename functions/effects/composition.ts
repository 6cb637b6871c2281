import { outboxFor, performersFromEnv } from '#shared/config/outbox-composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';

/** The effects relay's adapters, built once at cold start from its environment. */
const env = loadEnvironment('effects');

/** Performs every kind of effect the transitions and reps' account changes record, and logs a failed one by its owner (lead or rep). */
export const outbox = outboxFor(env.TABLE_NAME, performersFromEnv(['email', 'timer', 'message'], env), env.TIME_SCALE);
