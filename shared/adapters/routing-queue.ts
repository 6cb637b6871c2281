import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { sqs as defaultSqs } from './aws-clients.ts';

/** The routing queue carries only the lead id: the lead itself is always read fresh from the table. */
export const RoutingMessageSchema = z.object({ leadId: z.string().min(1) });
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
