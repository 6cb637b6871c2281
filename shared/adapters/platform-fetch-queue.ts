import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TemporarilyUnavailable } from '../domain/errors.ts';
import type { PlatformJob } from '../ingest/platforms/platform-job.ts';
import { sqs as defaultSqs } from './aws-clients.ts';

/**
 * The platform fetch queue: one message per lead an ad platform announced, consumed by the
 * leadgen function. A job is the only record of a notification until the lead is fetched, so
 * the webhook answers the platform only once every job of its notification is on the queue;
 * anything short of that is a 5xx, and the platform sends the notification again.
 */
export class PlatformFetchQueue {
  readonly #url: string;
  readonly #sqs: SQSClient;

  constructor(queueUrl: string, client: SQSClient = defaultSqs) {
    this.#url = queueUrl;
    this.#sqs = client;
  }

  /** Sends every job (ten a call, SQS's batch limit); entries refused once are sent again once. */
  async send(jobs: readonly PlatformJob[]): Promise<void> {
    for (let start = 0; start < jobs.length; start += 10) {
      let entries = jobs.slice(start, start + 10).map((job, i) => ({ Id: String(start + i), MessageBody: JSON.stringify(job) }));
      for (let attempt = 0; entries.length > 0; attempt++) {
        const { Failed = [] } = await this.#sqs.send(new SendMessageBatchCommand({ QueueUrl: this.#url, Entries: entries }));
        if (Failed.length === 0) break;
        if (attempt === 1) throw new TemporarilyUnavailable(`${Failed.length} lead(s) of this notification could not be queued; send it again`);
        const failed = new Set(Failed.map((entry) => entry.Id));
        entries = entries.filter((entry) => failed.has(entry.Id));
      }
    }
  }

  /** Makes a job that just failed visible again only after `seconds` (its backoff), instead of the queue's visibility timeout. */
  async retryAfter(receiptHandle: string, seconds: number): Promise<void> {
    await this.#sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.#url, ReceiptHandle: receiptHandle, VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))) }));
  }
}
