import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ACCOUNT_ID, localScope, type ResourceValue } from '#infra/local/intrinsics.ts';
import { synthesizeStack } from '#infra/local/synth.ts';
import { localValues, parseTemplate, type StackModel } from '#infra/local/template.ts';
import { allows, CallLog, permissionsNeeded, rolePolicies, type LocalArns, type RolePolicies } from '../support/role-permissions.ts';
import { demoConfig } from './support.ts';

/*
 * The judge the fault-injection tests use to check every call the local functions make against
 * their roles (the emulators check none), run here against the demo stack's real template with
 * requests shaped as the SDK sends them.
 */
const region = 'eu-west-1';
let model: StackModel;
let policies: RolePolicies;
let arns: LocalArns;
const tableName = 'demo-Leads';
const queueUrl = (id: string) => `http://127.0.0.1:4566/${LOCAL_ACCOUNT_ID}/demo-${id}`;

beforeAll(async () => {
  const synthesized = await synthesizeStack(demoConfig());
  model = parseTemplate(synthesized);
  const provisioned: Record<string, ResourceValue> = {};
  for (const table of model.tables) {
    const arn = `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT_ID}:table/${tableName}`;
    provisioned[table.logicalId] = { ref: tableName, attributes: { Arn: arn, StreamArn: `${arn}/stream/2026-01-01T00:00:00.000` } };
  }
  const queueArns = new Map<string, string>();
  for (const queue of model.queues) {
    const id = queue.logicalId.replace(/[0-9A-F]{8}$/, '');
    const arn = `arn:aws:sqs:${region}:${LOCAL_ACCOUNT_ID}:demo-${id}`;
    queueArns.set(new URL(queueUrl(id)).pathname, arn);
    provisioned[queue.logicalId] = { ref: queueUrl(id), attributes: { Arn: arn, QueueName: `demo-${id}`, QueueUrl: queueUrl(id) } };
  }
  const scope = localScope({ region, stackName: model.stackName, resources: localValues(model, { provisioned, apiUrl: 'http://127.0.0.1:3000', secretRefs: {} }) });
  policies = rolePolicies(synthesized, scope);
  arns = { region, accountId: LOCAL_ACCOUNT_ID, queueArn: (url) => queueArns.get(new URL(url).pathname) };
});

const fn = (prefix: string) => {
  const id = model.functions.find((candidate) => candidate.logicalId.startsWith(prefix))?.logicalId;
  if (!id) throw new Error(`no ${prefix}`);
  return id;
};
const mayCall = (prefix: string, service: Parameters<typeof permissionsNeeded>[0], operation: string, body: unknown) =>
  permissionsNeeded(service, operation, typeof body === 'string' ? body : JSON.stringify(body)).every((needed) => allows(policies.get(fn(prefix))!, needed, arns));

const transaction = (...kinds: string[]) => ({ TransactItems: kinds.map((kind) => ({ [kind]: { TableName: tableName, Key: { pk: { S: 'LEAD#1' }, sk: { S: 'LEAD' } } } })) });
const sesForm = (source: string, configurationSet?: string) =>
  new URLSearchParams({ Action: 'SendEmail', Version: '2010-12-01', Source: source, 'Destination.ToAddresses.member.1': 'ana@demo.example.com', ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}) }).toString();

describe('given the demo stack and the calls its functions make', () => {
  it('when the portal reads the table, then it may query a lead (its history) and the team and owner indexes but not scan or query the due index', () => {
    expect(mayCall('PortalFunction', 'dynamodb', 'Query', { TableName: tableName, IndexName: 'gsi1' })).toBe(true);
    expect(mayCall('PortalFunction', 'dynamodb', 'Query', { TableName: tableName, IndexName: 'gsi2' })).toBe(true);
    expect(mayCall('PortalFunction', 'dynamodb', 'Query', { TableName: tableName, IndexName: 'gsi3' })).toBe(false);
    expect(mayCall('PortalFunction', 'dynamodb', 'Query', { TableName: tableName })).toBe(true);
    expect(mayCall('PortalFunction', 'dynamodb', 'Scan', { TableName: tableName })).toBe(false);
    expect(mayCall('PortalFunction', 'dynamodb', 'GetItem', { TableName: 'another-table' })).toBe(false);
  });

  it('when the ingest function, which only gets and commits, queries the table, then it may not; the actions function may query the table (a franchise map\'s chunks) but no index', () => {
    expect(mayCall('IngestFunction', 'dynamodb', 'GetItem', { TableName: tableName })).toBe(true);
    expect(mayCall('IngestFunction', 'dynamodb', 'Query', { TableName: tableName })).toBe(false);
    expect(mayCall('ActionsFunction', 'dynamodb', 'Query', { TableName: tableName })).toBe(true);
    expect(mayCall('ActionsFunction', 'dynamodb', 'Query', { TableName: tableName, IndexName: 'gsi1' })).toBe(false);
  });

  it('when a function that routes by the franchise map reads it, then it may get the pointer and query the version\'s chunks', () => {
    for (const prefix of ['RouteFunction', 'EscalateFunction', 'SweeperFunction', 'ActionsFunction', 'PortalFunction', 'FeedbackFunction', 'AdminFunction', 'AdminImportsFunction', 'AdminSimulateFunction']) {
      const key = { pk: { S: 'FRANCHISE#MAP#00000001' } };
      expect(mayCall(prefix, 'dynamodb', 'GetItem', { TableName: tableName, Key: { pk: { S: 'FRANCHISE#MAP' }, sk: { S: 'CURRENT' } } }), prefix).toBe(true);
      expect(mayCall(prefix, 'dynamodb', 'Query', { TableName: tableName, ExpressionAttributeValues: { ':pk': key.pk } }), prefix).toBe(true);
    }
  });

  it('when a function commits a transaction, then each of its items is judged by its own action', () => {
    expect(mayCall('RouteFunction', 'dynamodb', 'TransactWriteItems', transaction('Update', 'Update', 'Put', 'Put'))).toBe(true);
    expect(mayCall('RouteFunction', 'dynamodb', 'TransactWriteItems', transaction('Update', 'Delete'))).toBe(false);
    expect(mayCall('RouteFunction', 'dynamodb', 'TransactWriteItems', transaction('ConditionCheck', 'Put'))).toBe(false);
    expect(mayCall('AdminFunction', 'dynamodb', 'TransactWriteItems', transaction('Delete', 'Update', 'Delete'))).toBe(true);
    expect(mayCall('AdminFunction', 'dynamodb', 'BatchWriteItem', { RequestItems: { [tableName]: [] } })).toBe(true);
    expect(mayCall('SweeperFunction', 'dynamodb', 'BatchWriteItem', { RequestItems: { [tableName]: [] } })).toBe(false);
    // A franchise map's publish is the imports function's; the simulator writes nothing.
    expect(mayCall('AdminImportsFunction', 'dynamodb', 'TransactWriteItems', transaction('Put', 'Put', 'Put'))).toBe(true);
    expect(mayCall('AdminSimulateFunction', 'dynamodb', 'TransactWriteItems', transaction('Put'))).toBe(false);
    expect(mayCall('AdminSimulateFunction', 'dynamodb', 'UpdateItem', { TableName: tableName })).toBe(false);
  });

  it('when a function sends email, then only from the configured address, through the configuration set, by a function that sends', () => {
    expect(mayCall('RouteFunction', 'ses', 'SendEmail', sesForm('leads@demo.example.com', model.configurationSets[0]))).toBe(true);
    expect(mayCall('RouteFunction', 'ses', 'SendEmail', sesForm('someone.else@demo.example.com', model.configurationSets[0]))).toBe(false);
    expect(mayCall('RouteFunction', 'ses', 'SendEmail', sesForm('leads@demo.example.com', 'another-set'))).toBe(false);
    expect(mayCall('ActionsFunction', 'ses', 'SendEmail', sesForm('leads@demo.example.com', model.configurationSets[0]))).toBe(false);
  });

  it('when a function uses the queues and the timer, then sending, consuming and starting are each its own', () => {
    expect(mayCall('IngestFunction', 'sqs', 'SendMessage', { QueueUrl: queueUrl('RoutingQueue'), MessageBody: '{}' })).toBe(true);
    expect(mayCall('IngestFunction', 'sqs', 'ReceiveMessage', { QueueUrl: queueUrl('RoutingDlq') })).toBe(false);
    expect(mayCall('AdminFunction', 'sqs', 'ReceiveMessage', { QueueUrl: queueUrl('RoutingDlq') })).toBe(true);
    expect(mayCall('AdminFunction', 'sqs', 'DeleteMessageBatch', { QueueUrl: queueUrl('RoutingDlq'), Entries: [] })).toBe(true);
    expect(mayCall('AdminFunction', 'sqs', 'SendMessageBatch', { QueueUrl: queueUrl('RoutingQueue'), Entries: [] })).toBe(true);
    expect(mayCall('AdminFunction', 'sqs', 'SendMessageBatch', { QueueUrl: queueUrl('RoutingDlq'), Entries: [] })).toBe(false);
    const timer = model.stateMachines[0]!.logicalId;
    const stateMachineArn = `arn:aws:states:${region}:${LOCAL_ACCOUNT_ID}:stateMachine:${timer}`;
    expect(mayCall('EffectsFunction', 'sfn', 'StartExecution', { stateMachineArn, name: 'x', input: '{}' })).toBe(true);
    expect(mayCall('EscalateFunction', 'sfn', 'StartExecution', { stateMachineArn, name: 'x', input: '{}' })).toBe(false);
  });

  it('when the calls of a run are judged, then each counts for the function its app id names, a refused call is one line, and calls naming no function are listed apart', () => {
    const log = new CallLog();
    const portal = fn('PortalFunction');
    // As the SDK sends it once Powertools has added itself to AWS_SDK_UA_APP_ID.
    const appId = `${portal}-PT-NO-OP-2.36.0-PTEnv-NA`;
    for (let i = 0; i < 3; i++) log.record('dynamodb', { appId, operation: 'Query' }, JSON.stringify({ TableName: tableName, IndexName: 'gsi2', ExclusiveStartKey: { n: i } }));
    log.record('dynamodb', { appId, operation: 'Scan' }, JSON.stringify({ TableName: tableName }));
    log.record('sqs', { appId: 'PT-NO-OP-2.36.0-PTEnv-NA', operation: 'CreateQueue' }, JSON.stringify({ QueueName: 'demo-RoutingQueue' }));
    log.record('sqs', { appId: undefined, operation: 'SendMessage' }, JSON.stringify({ QueueUrl: queueUrl('RoutingQueue') }));
    log.record('ses', { appId, operation: 'GET /store' }, '');

    const report = log.judge(policies, arns);

    expect(report.calls).toEqual(new Map([[portal, new Set(['dynamodb:Query', 'dynamodb:Scan', 'ses:GET /store'])]]));
    expect(report.refused).toEqual([
      `${portal}: dynamodb:Scan needs dynamodb:Scan on arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT_ID}:table/${tableName}, which its role does not allow`,
      `${portal}: ses:GET /store cannot be read: GET /store: no Source in the request`,
    ]);
    expect(report.unattributed).toEqual(['sqs:CreateQueue', 'sqs:SendMessage']);
  });
});
