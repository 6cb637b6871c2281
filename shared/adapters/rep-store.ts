import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { RepProfileSchema, type RepProfile } from '../routing/eligibility.ts';
import { dynamoDocument } from './aws-clients.ts';

export type Rep = RepProfile;
/** A rep as an admin or the seed describes them; load and rotation state start fresh. */
export type NewRep = z.input<typeof RepProfileSchema>;

export const repKey = (repId: string) => ({ pk: `REP#${repId}`, sk: 'PROFILE' });

function toRep(item: Record<string, unknown>): Rep {
  const { pk: _pk, sk: _sk, type: _type, gsi1pk: _g1, gsi1sk: _g2, ...rep } = item;
  return rep as unknown as Rep;
}

/** Rep profiles, with the live load counters the router's transaction conditions on. */
export class RepStore {
  readonly #table: string;
  readonly #db: DynamoDBDocumentClient;

  constructor(tableName: string, db: DynamoDBDocumentClient = dynamoDocument) {
    this.#table = tableName;
    this.#db = db;
  }

  /**
   * Adds a rep with no open leads and a fresh place in the rotation; an existing rep is kept
   * as is (returns false), so re-running a seed or an import never resets anyone's load.
   */
  async add(input: NewRep): Promise<boolean> {
    const profile = RepProfileSchema.parse({ ...input, openLeads: 0 });
    const { dayKey: _d, dayCount: _dc, weekKey: _w, weekCount: _wc, virtualTime: _vt, ...fresh } = profile;
    try {
      await this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...repKey(profile.id),
            type: 'rep',
            ...fresh,
            email: profile.email.toLowerCase(),
            gsi1pk: `TEAM#${profile.teamId}`,
            gsi1sk: `REP#${profile.id}`,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async get(repId: string): Promise<Rep | undefined> {
    const { Item } = await this.#db.send(new GetCommand({ TableName: this.#table, Key: repKey(repId), ConsistentRead: true }));
    return Item ? toRep(Item) : undefined;
  }

  /**
   * The team's roster from the index. Index reads can lag by a moment; that is fine because
   * the assignment transaction re-checks capacity and caps and rejects a stale choice.
   */
  async listTeam(teamId: string): Promise<Rep[]> {
    const reps: Rep[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :team AND begins_with(gsi1sk, :rep)',
          ExpressionAttributeValues: { ':team': `TEAM#${teamId}`, ':rep': 'REP#' },
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) reps.push(toRep(item));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return reps;
  }
}
