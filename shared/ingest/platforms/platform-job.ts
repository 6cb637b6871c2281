import * as z from '../../zod.ts';
import { PlatformSchemes } from '../signatures.ts';

/**
 * One lead an ad platform announced, as a message on the platform fetch queue: enough to fetch
 * it (which source, which lead) and what the notification said of it. The fetch function reads
 * it back with this schema; a body that is not one fails every retry and ends in the DLQ.
 */
export const PlatformJobSchema = z.strictObject({
  platform: z.enum(PlatformSchemes),
  sourceId: z.string().check(z.minLength(1), z.maxLength(40)),
  /** Meta's leadgen_id, LinkedIn's lead form response id: exact text, never a number. */
  leadId: z.string().check(z.regex(/^[\w.-]{1,200}$/, 'a lead id of letters, digits, dots and dashes')),
  /** When the notification reached us (ISO 8601). */
  notifiedAt: z.iso.datetime(),
  /** What the notification said beside the id (page_id, form_id, ad_id; LinkedIn's form and lead type). */
  details: z._default(z.record(z.string(), z.string().check(z.maxLength(300))), {}),
});
export type PlatformJob = z.infer<typeof PlatformJobSchema>;

/** The first retry's wait, doubled per delivery up to the cap: a platform down for an hour costs a handful of calls. */
const FIRST_RETRY_SECONDS = 30;
const MAX_RETRY_SECONDS = 15 * 60;

/**
 * Seconds a job that failed on its `receiveCount`th delivery waits before the next one (its
 * message's visibility): 30 s, 60 s, 2, 4, 8 minutes, then 15 minutes; divided by TIME_SCALE.
 */
export function retryDelaySeconds(receiveCount: number, timeScale = 1): number {
  const attempt = Math.max(1, Math.floor(receiveCount));
  const seconds = Math.min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** Math.min(attempt - 1, 20));
  return Math.round(seconds / timeScale);
}
