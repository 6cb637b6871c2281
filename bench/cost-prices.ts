/**
 * List prices the cost benchmark uses: us-east-1, on demand, no free tier, the first volume tier
 * of each. Each names where it was read and when. Where AWS's own page was not among the sources
 * at hand, the figure is from a dated third-party summary of it, and says so.
 */

export interface Price {
  /** US dollars per one `unit`. */
  readonly usd: number;
  readonly unit: string;
  /** The price as the source states it. */
  readonly listed: string;
  readonly source: string;
  /** The day the figure was looked up. */
  readonly takenOn: string;
  readonly note?: string;
}

const TAKEN_ON = '2026-12-02';

export const prices = {
  lambdaRequest: {
    usd: 0.2 / 1e6,
    unit: 'invocation',
    listed: '$0.20 per 1M requests (x86 and arm64 alike)',
    source: 'https://aws.amazon.com/lambda/pricing/ (request price as summarized in git.mcrn.ar lambda_local_runner docs/lambdas-md/lambda-13-cost.md and cloudchipr.com/blog/aws-lambda-pricing, us-east-1)',
    takenOn: TAKEN_ON,
    note: "AWS's own page as stored here shows the pricing tables without their figures; these are the figures two dated summaries of it give",
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'GB-second (arm64)',
    listed: '$0.0000133334 per GB-second, arm64, first 7.5 billion GB-seconds a month',
    source: 'https://cloudchipr.com/blog/aws-lambda-pricing (US East (N. Virginia)); same figure in git.mcrn.ar lambda_local_runner lambda-13-cost.md',
    takenOn: TAKEN_ON,
    note: 'duration is billed per 1 ms, from the handler start to its return; on-demand INIT time is billed too and is not counted here (warm invocations)',
  },
  dynamodbWriteRequestUnit: {
    usd: 0.625 / 1e6,
    unit: 'write request unit',
    listed: '$0.625 per million write request units (on-demand, Standard table class)',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing (US East); the reduced on-demand price per the AWS News Blog note of 2025-01-31 on the on-demand post',
    takenOn: TAKEN_ON,
    note: 'a standard write of up to 1 KB is 1 unit, a transactional write 2',
  },
  dynamodbReadRequestUnit: {
    usd: 0.125 / 1e6,
    unit: 'read request unit',
    listed: '$0.125 per million read request units (on-demand, Standard table class)',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing (US East)',
    takenOn: TAKEN_ON,
    note: 'a strongly consistent read of up to 4 KB is 1 unit, an eventually consistent one half, a transactional one 2',
  },
  httpApiRequest: {
    usd: 1.0 / 1e6,
    unit: 'HTTP API request (per 512 KB)',
    listed: '$1.00 per million requests, first 300 million a month, metered in 512 KB increments',
    source: 'https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html (Table 4, us-east-1)',
    takenOn: TAKEN_ON,
  },
  sqsRequest: {
    usd: 0.4 / 1e6,
    unit: 'SQS standard request (per 64 KB chunk)',
    listed: '$0.40 per million requests, standard queues, first 100 billion a month; each 64 KB chunk of a payload is a request',
    source: 'https://cloudburn.io/blog/amazon-sqs-pricing ("All prices are for US East (N. Virginia) as of March 2026")',
    takenOn: TAKEN_ON,
    note: "AWS's SQS pricing page was not among the sources at hand; this is a dated summary of it",
  },
  sesOutboundEmail: {
    usd: 0.1 / 1000,
    unit: 'outbound email',
    listed: '$0.10 per 1,000 emails sent',
    source: 'https://www.acecloudinterviews.com/tutorials/aws/ses/ ("starting at $0.10 per thousand emails"); aws.amazon.com/ses/faqs/ points to the pricing page for the figure',
    takenOn: TAKEN_ON,
    note: "AWS's SES pricing page was not among the sources at hand: the last figure found, from a third party; attachments and dedicated IPs are extra and not used here",
  },
  sfnStateTransition: {
    usd: 0.025 / 1000,
    unit: 'Standard workflow state transition',
    listed: '$0.0250 per 1,000 state transitions, US East (N. Virginia); retries count as transitions',
    source: 'https://aws.amazon.com/step-functions/pricing/ (state transitions pricing table)',
    takenOn: TAKEN_ON,
  },
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof prices;
