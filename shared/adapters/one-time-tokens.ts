import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDocument } from './aws-clients.ts';
import { spentTokenKey } from './table-items.ts';

/** Spent single-use tokens (sign-in links), kept until they would have expired anyway. */
export class OneTimeTokens {
  readonly #table: string;
  readonly #db: DynamoDBDocumentClient;

  constructor(tableName: string, db: DynamoDBDocumentClient = dynamoDocument) {
    this.#table = tableName;
    this.#db = db;
  }

  /** True for the first use of `id`, false for every later one, also when two uses race. */
  async spend(id: string, expiresAtEpochSeconds: number): Promise<boolean> {
    try {
      await this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...spentTokenKey(id), type: 'spent-token', expiresAt: expiresAtEpochSeconds },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
