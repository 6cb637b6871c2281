import { Duration, Validations, type Stack } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { StackEnvironment } from './function-environment.ts';

export interface MessagingProps {
  /** Timeout of the routing queue's consumer (the route function). */
  readonly routeTimeout: Duration;
  /** Timeout of the platform fetch queue's consumer (the leadgen function). */
  readonly leadgenTimeout: Duration;
}

/**
 * The routing queue and the platform fetch queue with their DLQs, and the dead-letter queues of the feedback function and the
 * effects relay. Resources are created in the stack's scope, so their logical IDs stay those of
 * the deployed stacks (see LeadStorage).
 */
export class Messaging {
  readonly routingQueue: Queue;
  readonly routingDlq: Queue;
  /**
   * Bounce and complaint notifications that the feedback function could not take, after
   * Lambda's own retries: kept for a person to look at (the alarm on DLQs says so).
   */
  readonly feedbackDlq: Queue;
  /**
   * Stream batches of effects the relay could not perform once its retries were spent; the
   * effect records themselves stay in the table, where the sweeper re-arms them.
   */
  readonly effectsDlq: Queue;
  /** Leads ad platforms announced, each to be fetched from the platform's API (the leadgen function). */
  readonly platformFetchQueue: Queue;
  /**
   * Fetch jobs that failed every try (a platform down for hours, an expired token nobody
   * replaced): the only record of those leads, kept 14 days for `npm run admin -- redrive`.
   */
  readonly platformFetchDlq: Queue;

  constructor(stack: Stack, environment: StackEnvironment, props: MessagingProps) {
    this.routingDlq = new Queue(stack, 'RoutingDlq', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.routingQueue = new Queue(stack, 'RoutingQueue', {
      // AWS advises six times the consumer's timeout so a slow batch is not redelivered mid-flight.
      visibilityTimeout: Duration.seconds(props.routeTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.routingDlq, maxReceiveCount: 5 },
    });

    this.platformFetchDlq = new Queue(stack, 'PlatformFetchDlq', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.platformFetchQueue = new Queue(stack, 'PlatformFetchQueue', {
      // Six times the consumer's timeout, as for routing; a failed job sets its own, shorter or
      // longer, backoff (ChangeMessageVisibility) before it is reported failed.
      visibilityTimeout: Duration.seconds(props.leadgenTimeout.toSeconds() * 6),
      // The longest SQS keeps a message: a notification's job outlives a long platform outage.
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // With the backoff (30 s doubling, at most 15 min) six tries span about 16 minutes.
      deadLetterQueue: { queue: this.platformFetchDlq, maxReceiveCount: 6 },
    });

    /** A dead-letter queue that no queue redrives to (cdk-nag's SQS3 looks for one), kept for a person to look at. */
    const deadLetters = (id: string, whose: string) => {
      const queue = new Queue(stack, id, { retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
      Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: `This queue is itself the dead-letter queue of ${whose}, which cdk-nag does not recognise` });
      return queue;
    };
    this.feedbackDlq = deadLetters('FeedbackDlq', 'the feedback function (a Lambda DLQ)');
    this.effectsDlq = deadLetters('EffectsDlq', "the effects relay's stream event source mapping (its on-failure destination)");

    // Sending leads to routing (SendMessage, a batch of them too), and (admin) moving routing
    // messages back from the DLQ: how many wait, receive, delete (a batch). Only what the code
    // calls: not grantSendMessages' and grantConsumeMessages' GetQueueUrl and the rest.
    environment.provide('ROUTING_QUEUE_URL', this.routingQueue.queueUrl, (fn) => this.routingQueue.grant(fn, 'sqs:SendMessage'));
    environment.provide('ROUTING_DLQ_URL', this.routingDlq.queueUrl, (fn) =>
      this.routingDlq.grant(fn, 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'),
    );
    // Ingest sends a notification's jobs, admin sends redriven ones back. The leadgen function
    // only sets a failed job's backoff (ChangeMessageVisibility), which its event source grants.
    environment.provide('PLATFORM_FETCH_QUEUE_URL', this.platformFetchQueue.queueUrl, (fn) => {
      if (fn.name !== 'leadgen') this.platformFetchQueue.grant(fn, 'sqs:SendMessage');
    });
    environment.provide('PLATFORM_FETCH_DLQ_URL', this.platformFetchDlq.queueUrl, (fn) =>
      this.platformFetchDlq.grant(fn, 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'),
    );
  }

  /** Every DLQ, for the alarm on messages waiting in one. */
  get deadLetterQueues(): readonly Queue[] {
    return [this.routingDlq, this.feedbackDlq, this.effectsDlq, this.platformFetchDlq];
  }
}
