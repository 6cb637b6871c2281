import { z } from 'zod';

/** The messages between outbox-latency.ts and each stack process it forks (outbox-latency-stack.ts). */

export const ParentMessage = z.discriminatedUnion('type', [
  /** Post this lead now and time it; its offer email carries `subject`. */
  z.object({ type: z.literal('post'), seq: z.number(), subject: z.string(), body: z.record(z.string(), z.string()), localAddress: z.string() }),
  /** Count the effect records in the table: the outbox writes them, the inline version must not. */
  z.object({ type: z.literal('census') }),
  z.object({ type: z.literal('stop') }),
]);
export type ParentMessage = z.infer<typeof ParentMessage>;

export const StackMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), startupMs: z.number() }),
  z.object({
    type: z.literal('result'),
    seq: z.number(),
    status: z.number(),
    /** POST start to the whole answer. */
    ackMs: z.number(),
    /** POST start to the offer email in the inbox; null when it did not come within the timeout. */
    offerMs: z.number().nullable(),
  }),
  z.object({ type: z.literal('census'), effectRecords: z.number(), done: z.number() }),
  z.object({ type: z.literal('failed'), error: z.string() }),
]);
export type StackMessage = z.infer<typeof StackMessage>;
