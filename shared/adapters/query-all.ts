import { paginateQuery, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** Every item a query matches, page after page, each read back by `read`. */
export async function queryAll<T>(db: DynamoDBDocumentClient, input: QueryCommandInput, read: (item: Record<string, unknown>) => T): Promise<T[]> {
  const all: T[] = [];
  for await (const page of paginateQuery({ client: db }, input)) for (const item of page.Items ?? []) all.push(read(item));
  return all;
}

/**
 * Every item of one partition whose sort key starts with `prefix`, in sort-key order, read
 * consistently: a lead's history or effect records, a rep's effect records.
 */
export function queryPartition<T>(db: DynamoDBDocumentClient, table: string, partition: string, prefix: string, read: (item: Record<string, unknown>) => T): Promise<T[]> {
  return queryAll(
    db,
    {
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': partition, ':prefix': prefix },
      ConsistentRead: true,
    },
    read,
  );
}
