import { z } from 'zod';

/** The messages between a benchmark and each local stack process it forks (stack-process.ts). */

export const ParentMessage = z.discriminatedUnion('type', [
  /** Post this lead to POST /leads now and time it; its offer email carries `subject`. */
  z.object({ type: z.literal('post'), seq: z.number(), subject: z.string(), body: z.record(z.string(), z.string()), localAddress: z.string() }),
  /** Add these reps through the admin API (POST /admin/reps, at most 500 at once). */
  z.object({ type: z.literal('import-reps'), reps: z.array(z.record(z.string(), z.unknown())) }),
  /** From now on, report every email the SES emulator takes (`email`). */
  z.object({ type: z.literal('report-emails') }),
  /** Count the effect records in the table: the outbox writes them, the inline version must not. */
  z.object({ type: z.literal('census') }),
  /** How many execution environments each function has started so far (`environments`). */
  z.object({ type: z.literal('environments') }),
  z.object({ type: z.literal('stop') }),
]);
export type ParentMessage = z.infer<typeof ParentMessage>;

export const StackMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    startupMs: z.number(),
    apiUrl: z.string(),
    /** Each secret's value by logical id (the admin key, the source signing key). */
    secrets: z.record(z.string(), z.string()),
  }),
  z.object({
    type: z.literal('result'),
    seq: z.number(),
    status: z.number(),
    /** POST start to the whole answer. */
    ackMs: z.number(),
    /** POST start to the offer email in the inbox; null when it did not come within the timeout. */
    offerMs: z.number().nullable(),
  }),
  z.object({ type: z.literal('imported'), created: z.number() }),
  /** The emulator took an email at `at`: epoch milliseconds with the fraction (`performance.timeOrigin + performance.now()`), comparable across processes. */
  z.object({ type: z.literal('email'), subject: z.string(), at: z.number() }),
  z.object({ type: z.literal('census'), effectRecords: z.number(), done: z.number() }),
  /** Environments started and alive, by function logical id (an older stack without the count: empty). */
  z.object({ type: z.literal('environments'), byFunction: z.record(z.string(), z.number()) }),
  z.object({ type: z.literal('failed'), error: z.string() }),
]);
export type StackMessage = z.infer<typeof StackMessage>;
