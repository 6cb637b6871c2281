import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from '../zod.ts';
import { sqs as defaultSqs } from './aws-clients.ts';

/**
 * The routing queue carries only ids, never lead data: the lead is always read fresh. Either one
 * lead to route (or whose owner should hear the person got in touch again), or a team whose queue should be offered again because someone freed capacity.
 */
export const RoutingMessageSchema = z.union([
  z.strictObject({ leadId: z.string().check(z.minLength(1)) }),
  /** The same person got in touch again (at that time, or the owner's summary is due then): tell the lead's owner. */
  z.strictObject({ leadId: z.string().check(z.minLength(1)), resubmittedAt: z.iso.datetime() }),
  z.strictObject({ drainTeam: z.string().check(z.minLength(1)) }),
]);
export type RoutingMessage = z.infer<typeof RoutingMessageSchema>;

export class RoutingQueue {
  readonly #url: string;
  readonly #sqs: SQSClient;

  constructor(queueUrl: string, client: SQSClient = defaultSqs) {
    this.#url = queueUrl;
    this.#sqs = client;
  }

  async enqueue(message: RoutingMessage): Promise<void> {
    await this.#sqs.send(new SendMessageCommand({ QueueUrl: this.#url, MessageBody: JSON.stringify(message) }));
  }
}
