import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, type EmulatorEndpoints } from './emulators.ts';
import { LOCAL_ACCOUNT_ID, type ResourceValue } from './intrinsics.ts';
import { parseTemplate, type QueueModel, type StackModel, type SynthesizedStack, type TableModel } from './template.ts';

/**
 * Creates the stack's tables on DynamoDB Local and its queues on fauxqs, from the template.
 * Idempotent, so a persisted data directory is reused: existing tables get missing indexes and
 * TTL, existing queues get the template's attributes.
 */

export interface ProvisionOptions {
  /** Prepended and appended to every local name, so test files can share one emulator. */
  readonly prefix?: string;
  readonly suffix?: string;
}

export interface ProvisionedTable {
  readonly name: string;
  readonly arn: string;
}

export interface ProvisionedQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

export interface Provisioned {
  readonly tables: Record<string, ProvisionedTable>;
  readonly queues: Record<string, ProvisionedQueue>;
  /** Ref/GetAtt values of the provisioned resources, keyed by logical id. */
  readonly values: Record<string, ResourceValue>;
}

export async function provision(
  stack: StackModel | SynthesizedStack,
  endpoints: Pick<EmulatorEndpoints, 'dynamodb' | 'sqs'>,
  options: ProvisionOptions = {},
): Promise<Provisioned> {
  const model = 'template' in stack ? parseTemplate(stack) : stack;
  const localName = (logicalId: string) => `${options.prefix ?? ''}${logicalId}${options.suffix ?? ''}`;
  const clientConfig = { region: model.region, credentials: LOCAL_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: endpoints.dynamodb });
  const sqs = new SQSClient({ ...clientConfig, endpoint: endpoints.sqs });
  try {
    const tables: Record<string, ProvisionedTable> = {};
    const queues: Record<string, ProvisionedQueue> = {};
    const values: Record<string, ResourceValue> = {};
    for (const table of model.tables) {
      const name = localName(table.logicalId);
      const description = await createTable(dynamodb, table, name);
      const arn = `arn:aws:dynamodb:${model.region}:${LOCAL_ACCOUNT_ID}:table/${name}`;
      tables[table.logicalId] = { name, arn };
      const streamArn = description.LatestStreamArn;
      values[table.logicalId] = { ref: name, attributes: { Arn: arn, ...(streamArn ? { StreamArn: streamArn } : {}) } };
    }
    for (const queue of deadLettersFirst(model.queues)) {
      const name = localName(queue.logicalId) + (queue.fifo ? '.fifo' : '');
      const deadLetterArn = queue.deadLetter && queues[queue.deadLetter.queueLogicalId]?.arn;
      const provisioned = await createQueue(sqs, endpoints.sqs, queue, name, deadLetterArn);
      queues[queue.logicalId] = provisioned;
      values[queue.logicalId] = {
        ref: provisioned.url,
        attributes: { Arn: provisioned.arn, QueueName: name, QueueUrl: provisioned.url },
      };
    }
    return { tables, queues, values };
  } finally {
    dynamodb.destroy();
    sqs.destroy();
  }
}

async function createTable(client: DynamoDBClient, table: TableModel, name: string): Promise<TableDescription> {
  const withProjection = (index: TableModel['globalSecondaryIndexes'][number]) => ({
    IndexName: index.IndexName,
    KeySchema: index.KeySchema,
    Projection: index.Projection ?? { ProjectionType: 'ALL' as const },
  });
  let description: TableDescription | undefined;
  try {
    const created = await client.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: table.keySchema,
        AttributeDefinitions: table.attributeDefinitions,
        // Capacity means nothing locally; on-demand avoids carrying throughput settings around.
        BillingMode: 'PAY_PER_REQUEST',
        ...(table.globalSecondaryIndexes.length ? { GlobalSecondaryIndexes: table.globalSecondaryIndexes.map(withProjection) } : {}),
        ...(table.localSecondaryIndexes.length ? { LocalSecondaryIndexes: table.localSecondaryIndexes.map(withProjection) } : {}),
        ...(table.streamViewType
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType as 'NEW_AND_OLD_IMAGES' } }
          : {}),
      }),
    );
    description = created.TableDescription;
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    description = await addMissingIndexes(client, table, name, withProjection);
  }
  if (table.ttlAttribute) {
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
      await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: table.ttlAttribute } }));
    }
  }
  return description ?? {};
}

/** A persisted table predates the current template; give it the indexes added since. */
async function addMissingIndexes(
  client: DynamoDBClient,
  table: TableModel,
  name: string,
  withProjection: (index: TableModel['globalSecondaryIndexes'][number]) => object,
): Promise<TableDescription | undefined> {
  let { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  if (table.streamViewType && !Table?.StreamSpecification?.StreamEnabled) {
    // A table persisted before the template gave it a stream.
    const updated = await client.send(
      new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType as 'NEW_IMAGE' } }),
    );
    Table = updated.TableDescription;
  }
  const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of table.globalSecondaryIndexes.filter((gsi) => !existing.has(gsi.IndexName))) {
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: table.attributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: withProjection(index) as never }],
      }),
    );
  }
  return Table;
}

async function createQueue(
  client: SQSClient,
  endpoint: string,
  queue: QueueModel,
  name: string,
  deadLetterArn: string | undefined,
): Promise<ProvisionedQueue> {
  const attributes: Record<string, string> = { ...queue.attributes };
  if (queue.deadLetter) {
    if (!deadLetterArn) throw new Error(`${queue.logicalId}: dead-letter queue ${queue.deadLetter.queueLogicalId} was not created`);
    attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: queue.deadLetter.maxReceiveCount });
  }
  let url: string | undefined;
  try {
    ({ QueueUrl: url } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })));
  } catch (error) {
    // A persisted queue whose attributes changed in the template since.
    if (!(error instanceof QueueNameExists)) throw error;
    ({ QueueUrl: url } = await client.send(new GetQueueUrlCommand({ QueueName: name })));
    await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  }
  if (!url) throw new Error(`${queue.logicalId}: fauxqs returned no queue URL`);
  // fauxqs answers with `sqs.<region>.localhost` URLs, which do not resolve everywhere and make
  // the SDK warn that the URL differs from its endpoint. fauxqs finds queues by the path alone,
  // so hand out URLs on the endpoint the clients already use.
  const localUrl = new URL(new URL(url).pathname, endpoint).toString();
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: localUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`${queue.logicalId}: fauxqs returned no queue ARN`);
  return { name, url: localUrl, arn };
}

/** SQS needs a dead-letter queue's ARN before the queue that redrives to it can be created. */
function deadLettersFirst(queues: QueueModel[]): QueueModel[] {
  const byId = new Map(queues.map((queue) => [queue.logicalId, queue]));
  const ordered: QueueModel[] = [];
  const visit = (queue: QueueModel, path: string[]) => {
    if (ordered.includes(queue)) return;
    if (path.includes(queue.logicalId)) throw new Error(`redrive cycle: ${[...path, queue.logicalId].join(' -> ')}`);
    const target = queue.deadLetter && byId.get(queue.deadLetter.queueLogicalId);
    if (target) visit(target, [...path, queue.logicalId]);
    ordered.push(queue);
  };
  queues.forEach((queue) => visit(queue, []));
  return ordered;
}
