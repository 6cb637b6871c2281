import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { sqs as defaultSqs } from './aws-clients.ts';

export interface MovedBatch {
  /** Messages now back on the source queue and gone from the DLQ. */
  readonly moved: number;
  /** Received but not moved (send refused); they reappear in the DLQ after the visibility timeout. */
  readonly failed: number;
}

/**
 * The routing DLQ, read back after a fix. Messages go back by send-then-delete: a crash between
 * the two leaves a copy in both queues, which routing absorbs (it is idempotent per lead), while
 * the other order could lose a lead. (SQS's own StartMessageMoveTask does the same server-side,
 * but not every SQS-compatible server has it; this works on all of them.)
 */
export class DeadLetters {
  readonly #dlqUrl: string;
  readonly #targetUrl: string;
  readonly #sqs: SQSClient;

  constructor(dlqUrl: string, targetUrl: string, client: SQSClient = defaultSqs) {
    this.#dlqUrl = dlqUrl;
    this.#targetUrl = targetUrl;
    this.#sqs = client;
  }

  /** Messages waiting in the DLQ (approximate, as SQS counts them). */
  async waiting(): Promise<number> {
    const { Attributes } = await this.#sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.#dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  }

  /** Moves up to `limit` (at most ten) messages; 0 moved and 0 failed means the DLQ looked empty. */
  async moveBatch(limit = 10): Promise<MovedBatch> {
    const { Messages = [] } = await this.#sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#dlqUrl,
        MaxNumberOfMessages: Math.max(1, Math.min(10, limit)),
        WaitTimeSeconds: 0,
        // Long enough to send and delete; short enough that a failed move is soon retried.
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = Messages.filter((message): message is Message & { MessageId: string; ReceiptHandle: string; Body: string } =>
      Boolean(message.MessageId && message.ReceiptHandle && message.Body !== undefined),
    );
    if (messages.length === 0) return { moved: 0, failed: 0 };
    const sent = await this.#sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: this.#targetUrl,
        Entries: messages.map((message) => ({
          Id: message.MessageId,
          MessageBody: message.Body,
          ...(message.MessageAttributes ? { MessageAttributes: message.MessageAttributes } : {}),
        })),
      }),
    );
    const sentIds = new Set((sent.Successful ?? []).map((entry) => entry.Id));
    const toDelete = messages.filter((message) => sentIds.has(message.MessageId));
    if (toDelete.length > 0) {
      await this.#sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#dlqUrl,
          Entries: toDelete.map((message) => ({ Id: message.MessageId, ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
    return { moved: toDelete.length, failed: messages.length - toDelete.length };
  }
}
