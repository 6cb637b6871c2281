import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { franchiseAtScale } from '../../bench/franchise-example.ts';
import { dynamoDocument } from '#shared/adapters/aws-clients.ts';
import { toTerritoriesCsv } from '#shared/franchise/territories-csv.ts';
import { loadEvent, useLocalStack, type LocalStackForTests } from './support.ts';

/**
 * The admin API's territories, against DynamoDB Local: an import checks the whole file before
 * anything is stored, a dry run stores nothing, a stale version is refused, and a file of
 * 100,000 rows goes in as one version that the simulator routes by at once.
 */

let stack: LocalStackForTests;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
/** The routing simulator, a function of its own that reads the map the imports store. */
let simulator: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  stack = await useLocalStack('admin-imports');
  handler = await stack.handler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>();
  simulator = await stack.sibling<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>('admin-simulate');
});

function request(routeKey: string, body?: unknown): APIGatewayProxyEventV2 {
  const sample = loadEvent<APIGatewayProxyEventV2>('actions/open-link.json');
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  return {
    ...sample,
    routeKey,
    rawPath: path,
    rawQueryString: '',
    pathParameters: {},
    headers: { ...sample.headers, accept: 'application/json', authorization: `Bearer ${stack.adminKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    requestContext: { ...sample.requestContext, routeKey, http: { ...sample.requestContext.http, method, path } },
  };
}

const call = async (routeKey: string, body?: unknown) => {
  const response = await (routeKey === 'POST /admin/simulate' ? simulator : handler)(request(routeKey, body));
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') };
};
const header = 'franchisee,name,managerEmail,country,region,postalPrefix';
const file = (...rows: string[]) => [header, ...rows].join('\n');
const versions = async () => (await call('GET /admin/territories/history')).body.versions as { version: number }[];
/** Every franchise map item in the table: the pointer, versions and chunks. */
const franchiseItems = async () => {
  const pointer = await dynamoDocument.send(new QueryCommand({ TableName: process.env.TABLE_NAME, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'FRANCHISE#MAP' } }));
  return pointer.Items ?? [];
};

describe('PUT /admin/territories', () => {
  it('given a file with overlapping and broken rows, when imported, then 422 names every bad row and nothing is stored', async () => {
    const answer = await call('PUT /admin/territories', {
      csv: file('berlin,Berlin Solar,owner@berlin.example.com,DE,,10', 'potsdam,Potsdam Solar,owner@potsdam.example.com,DE,,10', 'nowhere,Nowhere,not-an-address,DE,,14'),
    });

    expect(answer.status).toBe(422);
    expect(answer.body.errors.map((e: { field: string }) => e.field)).toEqual(['row 3 postalPrefix', 'row 4 managerEmail']);
    expect(answer.body.errors[0].message).toMatch(/berlin.*row 2/);
    expect(await franchiseItems()).toEqual([]);
  });

  it('given a franchisee with the id of a team of the stack, or a body that is not a gzipped file, when imported, then each is refused and nothing is stored', async () => {
    const clash = await call('PUT /admin/territories', { csv: file('t01,Clash,owner@clash.example.com,DE,,10') });
    expect(clash.status).toBe(422);
    expect(clash.body.errors[0].message).toMatch(/"t01" is a team of the stack config/);

    const notGzip = await call('PUT /admin/territories', { csvGzip: Buffer.from('plain text').toString('base64') });
    expect(notGzip.status).toBe(400);
    expect(notGzip.body.message).toMatch(/not a gzipped file/);

    const both = await call('PUT /admin/territories', { csv: file(), csvGzip: gzipSync(file()).toString('base64') });
    expect(both.status).toBe(422);
    expect(await franchiseItems()).toEqual([]);
  });

  it('given a valid file, when dry-run, then the added rows are listed and nothing is stored; imported, then it is version 1; imported against version 0 again, then 409', async () => {
    const berlin = file('berlin,Berlin Solar,owner@berlin.example.com,DE,,10', 'berlin,,,DE,,12');
    const dry = await call('PUT /admin/territories', { csv: berlin, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, version: 0, franchisees: 1, territories: 2, added: 2 });
    expect(await franchiseItems()).toEqual([]);

    const stored = await call('PUT /admin/territories', { csv: berlin, expectedVersion: 0 });
    expect(stored.body).toMatchObject({ dryRun: false, version: 1, previousVersion: 0, added: 2 });

    const stale = await call('PUT /admin/territories', { csv: file('berlin,Berlin Solar,owner@berlin.example.com,DE,,10'), expectedVersion: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/now version 1/);
    expect((await versions()).map((v) => v.version)).toEqual([1]);
  });

  it('given 1,000 franchisees × 100 ZIP codes, when imported gzipped, then it is one new version, the export gives the same rows, and the simulator routes by it', async () => {
    const map = franchiseAtScale();
    const csv = toTerritoriesCsv(map);
    const started = performance.now();
    const imported = await call('PUT /admin/territories', { csvGzip: gzipSync(csv).toString('base64'), changedBy: 'integration test' });
    const importMs = performance.now() - started;

    expect(imported.status, JSON.stringify(imported.body).slice(0, 300)).toBe(200);
    expect(imported.body).toMatchObject({ version: 2, franchisees: 1_000, territories: 100_000, franchiseesAdded: 1_000, franchiseesRemoved: 1 });
    const exported = await call('GET /admin/territories');
    expect(exported.body.version).toBe(2);
    expect(exported.body.csv).toBe(csv);

    const sample = map.territories[54_321]!;
    const zip = sample.area.kind === 'postal' ? sample.area.prefix : '';
    const simulated = await call('POST /admin/simulate', { lead: { email: 'zip@example.com', phone: '+1 312 555 0199', country: 'US', postalCode: zip, source: 'referral' } });
    expect(simulated.status).toBe(200);
    expect(simulated.body.territory).toContain(sample.franchisee);
    console.log(`territories import: ${map.territories.length} rows (${csv.length} bytes, ${gzipSync(csv).length} gzipped) in ${(importMs / 1000).toFixed(1)} s`);
  });
});

describe('a deploy of the stack config\'s territories file (Custom::FranchiseTerritories)', () => {
  /** Plays CloudFormation's pre-signed response URL: keeps each PUT body. */
  let server: Server;
  let responseUrl: string;
  const responses: Record<string, unknown>[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        responses.push({ method: req.method, contentType: req.headers['content-type'], ...(JSON.parse(body) as Record<string, unknown>) });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cfn-response`;
    // On Lambda the bundle's files sit in the code directory; here, the end-to-end fixtures'.
    process.env.LAMBDA_TASK_ROOT = fileURLToPath(new URL('../e2e/franchise/', import.meta.url));
  });
  afterAll(async () => {
    delete process.env.LAMBDA_TASK_ROOT;
    await new Promise((resolve) => server.close(resolve));
  });

  const resourceEvent = (requestType: 'Create' | 'Update' | 'Delete', file: string) => ({
    RequestType: requestType,
    ServiceToken: 'arn:aws:lambda:eu-west-1:000000000000:function:admin-imports',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:eu-west-1:000000000000:stack/lead-router/1',
    RequestId: `request-${responses.length + 1}`,
    ResourceType: 'Custom::FranchiseTerritories',
    LogicalResourceId: 'FranchiseTerritories',
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: 'franchise-territories' }),
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:000000000000:function:admin-imports', File: file, Sha256: 'a'.repeat(64) },
  });
  const invoke = (event: ReturnType<typeof resourceEvent>) => (handler as unknown as (event: unknown) => Promise<{ Status: string }>)(event);

  it('given the bundled file, when CloudFormation creates the resource, then it is the next version by "deploy", and CloudFormation hears SUCCESS', async () => {
    const before = (await versions())[0]?.version ?? 0;
    const result = await invoke(resourceEvent('Create', 'territories.csv'));

    expect(result.Status).toBe('SUCCESS');
    expect(responses.at(-1)).toMatchObject({ method: 'PUT', contentType: '', Status: 'SUCCESS', PhysicalResourceId: 'franchise-territories', RequestId: 'request-1', Data: { Version: String(before + 1) } });
    const [latest] = (await call('GET /admin/territories/history')).body.versions as { version: number; changedBy: string }[];
    expect(latest).toMatchObject({ version: before + 1, changedBy: 'deploy' });
    expect((await call('GET /admin/territories')).body.csv).toContain('austin-solar');
  });

  it('given a changed file with overlapping rows, when CloudFormation updates the resource, then it hears FAILED naming the rows (the deploy rolls back) and the map stays', async () => {
    const before = (await versions())[0]!.version;
    const result = await invoke(resourceEvent('Update', 'overlapping.csv'));

    expect(result.Status).toBe('FAILED');
    expect(responses.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/row 3.*austin-solar.*row 2/) });
    expect((await versions())[0]!.version).toBe(before);
  });

  it('given the resource deleted, when CloudFormation asks, then it hears SUCCESS and the territories stay', async () => {
    const before = (await versions())[0]!.version;
    expect((await invoke(resourceEvent('Delete', 'territories.csv'))).Status).toBe('SUCCESS');
    expect(responses.at(-1)).toMatchObject({ Status: 'SUCCESS' });
    expect((await versions())[0]!.version).toBe(before);
  });
});
