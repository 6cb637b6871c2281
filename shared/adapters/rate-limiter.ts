import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDocument } from './aws-clients.ts';
import { rateWindowKey } from './table-items.ts';

/**
 * Per-client limits on public forms (the webhook's browser sources, the portal's sign-in form):
 * a counter per scope, client address and minute in the stack's table, taken by a conditional
 * update, so parallel requests cannot slip past it. The windows expire by TTL a minute later.
 */
export class RateLimiter {
  readonly #table: string;
  readonly #db: DynamoDBDocumentClient;

  constructor(tableName: string, db: DynamoDBDocumentClient = dynamoDocument) {
    this.#table = tableName;
    this.#db = db;
  }

  /** Counts a request in the client's current one-minute window; `allowed: false` once it holds `limit`. */
  async take(scope: string, client: string, limit: number, now: Date): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    const window = Math.floor(now.getTime() / 60_000);
    const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * 60_000 - now.getTime()) / 1000));
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: rateWindowKey(scope, client, window),
          UpdateExpression: 'SET expiresAt = :expires ADD posts :one',
          ConditionExpression: 'attribute_not_exists(posts) OR posts < :limit',
          ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':expires': (window + 2) * 60 },
        }),
      );
      return { allowed: true, retryAfterSeconds };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { allowed: false, retryAfterSeconds };
      throw error;
    }
  }
}
