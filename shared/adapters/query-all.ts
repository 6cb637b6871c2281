import { paginateQuery, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** Every item a query matches, page after page, each read back by `read`. */
export async function queryAll<T>(db: DynamoDBDocumentClient, input: QueryCommandInput, read: (item: Record<string, unknown>) => T): Promise<T[]> {
  const all: T[] = [];
  for await (const page of paginateQuery({ client: db }, input)) for (const item of page.Items ?? []) all.push(read(item));
  return all;
}
