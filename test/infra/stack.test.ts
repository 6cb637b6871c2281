import { Match, Template } from 'aws-cdk-lib/assertions';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, stackId } from '#infra/app.ts';
import { ENTRY_METADATA } from '#infra/lead-router-function.ts';
import { SlaStates } from '#infra/sla-timer.ts';
import type { LeadRouterStack } from '#infra/lead-router-stack.ts';
import { localScope, resolveString, type ResourceValue } from '#infra/local/intrinsics.ts';
import { functionNames, loadEnvironment, variablesOf, type FunctionName } from '#shared/config/environment.ts';
import { decodeConfigVariable, routingSettings } from '#shared/config/stack-config.ts';
import {
  actionsOf,
  cdkJsonContext,
  demoConfig,
  franchiseConfig,
  functionIds,
  logicalIdOf,
  parseDefinition,
  repoRoot,
  resourcesOf,
  roleOfFunction,
  statementsOfRole,
  type FunctionId,
  type PolicyStatementJson,
} from './support.ts';

/*
 * One app, synthesized once for the whole file, without bundling (esbuild output is tested by
 * the "npm run synth" test in example-stacks.test.ts, which bundles every function). Two
 * stacks: the shipped demo and a franchise region in another AWS region, so "a second region
 * is a second config file" is checked too.
 */
const demo = demoConfig();
const franchise = franchiseConfig();
const { stacks } = buildApp({ configs: [demo, franchise], bundle: false, context: cdkJsonContext() });
const [demoStack, franchiseStack] = stacks as [LeadRouterStack, LeadRouterStack];
let template: Template;

const fnId = (id: FunctionId): string => logicalIdOf(demoStack, id);
const tableRef = () => ({ Ref: logicalIdOf(demoStack, 'Leads') });
const queueRef = () => ({ Ref: logicalIdOf(demoStack, 'RoutingQueue') });

function functionProps(id: FunctionId): Record<string, any> {
  const fn = template.findResources('AWS::Lambda::Function')[fnId(id)];
  if (!fn) throw new Error(`${id} not in template`);
  return fn.Properties;
}

function statementsOf(id: FunctionId): PolicyStatementJson[] {
  return statementsOfRole(template, roleOfFunction(template, fnId(id)));
}

function allowedActions(id: FunctionId): string[] {
  return statementsOf(id)
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap(actionsOf);
}

beforeAll(() => {
  template = Template.fromStack(demoStack);
});

describe('given the demo stack config', () => {
  describe('when the stack is synthesized', () => {
    it('then the leads table is an on-demand TableV2 keyed by pk/sk with a team index (gsi1), an owner index (gsi2), a sparse due index (gsi3), a roster change index (gsi4) and a stream of new images', () => {
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            IndexName: 'gsi2',
            KeySchema: [
              { AttributeName: 'gsi2pk', KeyType: 'HASH' },
              { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            IndexName: 'gsi3',
            KeySchema: [
              { AttributeName: 'gsi3pk', KeyType: 'HASH' },
              { AttributeName: 'gsi3sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
          {
            IndexName: 'gsi4',
            KeySchema: [
              { AttributeName: 'gsi4pk', KeyType: 'HASH' },
              { AttributeName: 'gsi4sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      });
    });

    it('then the leads table has point-in-time recovery, TTL on expiresAt and server-side encryption', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: [
          Match.objectLike({
            Region: demo.region,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: Match.objectLike({ SSEEnabled: true }),
      });
    });

    it('then the leads table survives stack deletion and replacement', () => {
      template.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('then the routing queue redrives to the DLQ after a bounded number of receives', () => {
      const dlqArn = { 'Fn::GetAtt': [logicalIdOf(demoStack, 'RoutingDlq'), 'Arn'] };
      template.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: { deadLetterTargetArn: dlqArn, maxReceiveCount: 5 },
      });
    });

    it('then the DLQ keeps failed leads for 14 days, longer than the routing queue keeps them', () => {
      const queues = template.findResources('AWS::SQS::Queue');
      const dlq = queues[logicalIdOf(demoStack, 'RoutingDlq')]?.Properties;
      const routing = queues[logicalIdOf(demoStack, 'RoutingQueue')]?.Properties;
      expect(dlq?.MessageRetentionPeriod).toBe(14 * 24 * 60 * 60);
      // SQS keeps the original enqueue time on redrive, so a shorter DLQ retention would drop messages early.
      expect(dlq?.MessageRetentionPeriod).toBeGreaterThan(routing?.MessageRetentionPeriod ?? 345_600);
    });

    it('then the routing queue visibility timeout is at least six times the route function timeout', () => {
      const routing = template.findResources('AWS::SQS::Queue')[logicalIdOf(demoStack, 'RoutingQueue')]?.Properties;
      const routeTimeout = functionProps('RouteFunction').Timeout as number;
      expect(routeTimeout).toBeGreaterThan(0);
      expect(routing?.VisibilityTimeout).toBeGreaterThanOrEqual(6 * routeTimeout);
    });

    it('then both queues deny any access that is not over TLS', () => {
      for (const queueId of ['RoutingQueue', 'RoutingDlq']) {
        const queue = logicalIdOf(demoStack, queueId);
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: queue }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
                Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
              }),
            ]),
          },
        });
      }
    });

    it('then there are exactly twelve functions, all Node 24 on arm64 with active tracing', () => {
      template.resourceCountIs('AWS::Lambda::Function', functionIds.length);
      for (const id of functionIds) {
        expect(functionProps(id), id).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
        });
      }
    });

    it('then every function logs to its own log group with a retention period', () => {
      const logGroups = template.findResources('AWS::Logs::LogGroup');
      const used = new Set<string>();
      for (const id of functionIds) {
        const logGroupId = (functionProps(id).LoggingConfig?.LogGroup as { Ref: string } | undefined)?.Ref;
        expect(logGroupId, `${id} log group`).toBeDefined();
        expect(logGroups[logGroupId!]?.Properties?.RetentionInDays, `${id} retention`).toBe(30);
        used.add(logGroupId!);
      }
      expect(used.size).toBe(functionIds.length);
    });

    it('then each function gets exactly the resource environment variables it needs', () => {
      const refs = {
        TABLE_NAME: tableRef(),
        ROUTING_QUEUE_URL: queueRef(),
        SLA_STATE_MACHINE_ARN: { Ref: logicalIdOf(demoStack, 'SlaTimer') },
        LINK_SIGNING_SECRET: { Ref: logicalIdOf(demoStack, 'LinkSigningKey') },
        ADMIN_API_KEY_SECRET: { Ref: logicalIdOf(demoStack, 'AdminApiKey') },
        SESSION_SECRET: { Ref: logicalIdOf(demoStack, 'SessionKey') },
        SOURCE_SIGNING_SECRET: { Ref: logicalIdOf(demoStack, 'SourceSigningKey') },
        ROUTING_DLQ_URL: { Ref: logicalIdOf(demoStack, 'RoutingDlq') },
        SES_CONFIGURATION_SET: { Ref: logicalIdOf(demoStack, 'Mail') },
        PLATFORM_FETCH_QUEUE_URL: { Ref: logicalIdOf(demoStack, 'PlatformFetchQueue') },
        PLATFORM_FETCH_DLQ_URL: { Ref: logicalIdOf(demoStack, 'PlatformFetchDlq') },
        PLATFORM_TOKENS_SECRET: { Ref: logicalIdOf(demoStack, 'PlatformAccessTokens') },
      };
      const expected: Record<FunctionId, (keyof typeof refs)[]> = {
        IngestFunction: ['TABLE_NAME', 'ROUTING_QUEUE_URL', 'SOURCE_SIGNING_SECRET', 'PLATFORM_FETCH_QUEUE_URL'],
        RouteFunction: ['TABLE_NAME', 'ROUTING_QUEUE_URL', 'SLA_STATE_MACHINE_ARN', 'LINK_SIGNING_SECRET', 'SES_CONFIGURATION_SET'],
        ActionsFunction: ['TABLE_NAME', 'ROUTING_QUEUE_URL', 'LINK_SIGNING_SECRET', 'SLA_STATE_MACHINE_ARN'],
        EscalateFunction: ['TABLE_NAME', 'ROUTING_QUEUE_URL', 'LINK_SIGNING_SECRET', 'SES_CONFIGURATION_SET'],
        PortalFunction: ['TABLE_NAME', 'ROUTING_QUEUE_URL', 'SLA_STATE_MACHINE_ARN', 'SESSION_SECRET', 'LINK_SIGNING_SECRET', 'SES_CONFIGURATION_SET'],
        AdminFunction: ['TABLE_NAME', 'ADMIN_API_KEY_SECRET', 'SOURCE_SIGNING_SECRET', 'ROUTING_QUEUE_URL', 'ROUTING_DLQ_URL', 'PLATFORM_FETCH_QUEUE_URL', 'PLATFORM_FETCH_DLQ_URL'],
        AdminImportsFunction: ['TABLE_NAME', 'ADMIN_API_KEY_SECRET', 'ROUTING_QUEUE_URL'],
        AdminSimulateFunction: ['TABLE_NAME', 'ADMIN_API_KEY_SECRET'],
        FeedbackFunction: ['TABLE_NAME', 'ROUTING_QUEUE_URL', 'SES_CONFIGURATION_SET'],
        EffectsFunction: ['TABLE_NAME', 'ROUTING_QUEUE_URL', 'SLA_STATE_MACHINE_ARN', 'SES_CONFIGURATION_SET'],
        SweeperFunction: ['TABLE_NAME', 'ROUTING_QUEUE_URL', 'SLA_STATE_MACHINE_ARN', 'SES_CONFIGURATION_SET'],
        LeadgenFunction: ['TABLE_NAME', 'ROUTING_QUEUE_URL', 'SOURCE_SIGNING_SECRET', 'PLATFORM_FETCH_QUEUE_URL', 'PLATFORM_TOKENS_SECRET'],
      };
      for (const id of functionIds) {
        const variables = functionProps(id).Environment.Variables as Record<string, unknown>;
        const present = (Object.keys(refs) as (keyof typeof refs)[]).filter((name) => name in variables);
        expect(present.sort(), id).toEqual([...expected[id]].sort());
        for (const name of expected[id]) expect(variables[name], `${id} ${name}`).toEqual(refs[name]);
      }
    });

    it('then the environment of each function is the variables its schema lists, and, resolved as CloudFormation resolves them, reads through that schema', () => {
      // What Ref and Fn::GetAtt return on AWS, per resource type, so each value has its deployed shape.
      const account = '123456789012';
      const valueOf = (id: string, type: string): ResourceValue =>
        ({
          'AWS::SQS::Queue': { ref: `https://sqs.${demo.region}.amazonaws.com/${account}/${id}`, attributes: {} },
          'AWS::SecretsManager::Secret': { ref: `arn:aws:secretsmanager:${demo.region}:${account}:secret:${id}-AbCdEf`, attributes: {} },
          'AWS::StepFunctions::StateMachine': { ref: `arn:aws:states:${demo.region}:${account}:stateMachine:${id}`, attributes: {} },
          'AWS::ApiGatewayV2::Api': { ref: id, attributes: { ApiEndpoint: `https://${id.toLowerCase()}.execute-api.${demo.region}.amazonaws.com` } },
        })[type] ?? { ref: id, attributes: {} };
      const resources = template.toJSON().Resources as Record<string, { Type: string; Metadata?: Record<string, unknown> }>;
      const scope = localScope({
        region: demo.region,
        stackName: demoStack.stackName,
        accountId: account,
        resources: Object.fromEntries(Object.entries(resources).map(([id, resource]) => [id, valueOf(id, resource.Type)])),
      });
      const seen = new Set<FunctionName>();
      for (const id of functionIds) {
        const entry = resources[fnId(id)]!.Metadata?.[ENTRY_METADATA] as string;
        const name = /^functions\/([a-z-]+)\/handler\.ts$/.exec(entry)?.[1] as FunctionName;
        expect(functionNames, id).toContain(name);
        seen.add(name);
        const variables = functionProps(id).Environment.Variables as Record<string, unknown>;
        // All of them but TIME_SCALE and PLATFORM_API_BASE_URL, which only the local runtime sets.
        const localOnly = new Set(['TIME_SCALE', 'PLATFORM_API_BASE_URL']);
        expect(Object.keys(variables).sort(), id).toEqual(variablesOf(name).filter((variable) => !localOnly.has(variable)).sort());
        const resolved = Object.fromEntries(Object.entries(variables).map(([variable, value]) => [variable, resolveString(value, scope, `${id}.${variable}`)]));
        expect(() => loadEnvironment(name, resolved), id).not.toThrow();
      }
      expect([...seen].sort()).toEqual([...functionNames].sort());
    });

    it('then each function carries its routing settings derived from the stack config, but the effects relay, which needs none', () => {
      expect(functionProps('EffectsFunction').Environment.Variables.STACK_CONFIG).toBeUndefined();
      for (const id of functionIds.filter((fn) => fn !== 'EffectsFunction')) {
        const settings = decodeConfigVariable(functionProps(id).Environment.Variables.STACK_CONFIG as string);
        expect(settings, id).toEqual(routingSettings(demo));
      }
    });

    it('then ingest, admin and leadgen carry the intake config (sources) of the stack config, and no other function does', () => {
      for (const id of functionIds) {
        const encoded = functionProps(id).Environment.Variables.INTAKE_CONFIG as string | undefined;
        if (id === 'IngestFunction' || id === 'AdminFunction' || id === 'LeadgenFunction') expect(decodeConfigVariable(encoded!), id).toEqual(demo.intake);
        else expect(encoded, id).toBeUndefined();
      }
    });

    it('then each function carries, in the template, the metadata entry of an existing source file', () => {
      const functions = template.findResources('AWS::Lambda::Function');
      expect(Object.keys(functions).sort()).toEqual(functionIds.map(fnId).sort());
      for (const [id, resource] of Object.entries(functions)) {
        const entry = (resource as { Metadata?: Record<string, unknown> }).Metadata?.[ENTRY_METADATA];
        expect(entry, id).toMatch(/^functions\/[a-z-]+\/handler\.ts$/);
        expect(existsSync(`${repoRoot}${entry as string}`), `${entry} exists`).toBe(true);
      }
    });

    it('then the effects relay reads the table stream for pending effects only, bisecting failed batches, with bounded retries and an alarmed DLQ', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(demoStack, 'Leads'), 'StreamArn'] },
        FunctionName: { Ref: fnId('EffectsFunction') },
        StartingPosition: 'TRIM_HORIZON',
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 8,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(demoStack, 'EffectsDlq'), 'Arn'] } } },
        FilterCriteria: {
          Filters: [
            {
              Pattern: JSON.stringify({ eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { type: { S: ['effect'] }, status: { S: ['pending'] } } } }),
            },
          ],
        },
      });
      const deadLetterAlarm = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).find(([id]) => id.startsWith('MonitoringDeadLetters'));
      expect(JSON.stringify(deadLetterAlarm?.[1].Properties.Metrics)).toContain(logicalIdOf(demoStack, 'EffectsDlq'));
    });

    it('then the leadgen function takes the platform fetch queue in batches reporting item failures, and the queue redrives to an alarmed 14-day DLQ after a bounded number of receives', () => {
      const queues = template.findResources('AWS::SQS::Queue');
      const fetchQueue = queues[logicalIdOf(demoStack, 'PlatformFetchQueue')]?.Properties;
      const dlq = queues[logicalIdOf(demoStack, 'PlatformFetchDlq')]?.Properties;
      expect(fetchQueue?.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(demoStack, 'PlatformFetchDlq'), 'Arn'] }, maxReceiveCount: 6 });
      expect(dlq?.MessageRetentionPeriod).toBe(14 * 24 * 60 * 60);
      expect(fetchQueue?.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (functionProps('LeadgenFunction').Timeout as number));
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(demoStack, 'PlatformFetchQueue'), 'Arn'] },
        FunctionName: { Ref: fnId('LeadgenFunction') },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      const deadLetterAlarm = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).find(([id]) => id.startsWith('MonitoringDeadLetters'));
      expect(JSON.stringify(deadLetterAlarm?.[1].Properties.Metrics)).toContain(logicalIdOf(demoStack, 'PlatformFetchDlq'));
    });

    it('then an ad platform validates its webhook by GET on the source route, which reaches the ingest function', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /sources/{sourceId}/leads' });
    });

    it('then the sweeper runs every minute on a scheduled rule', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId('SweeperFunction'), 'Arn'] } })],
      });
    });

    it('then every task of the SLA timer retries all errors with backoff and jitter, and hands a step that still fails to TimerFailed', () => {
      const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
      const parts = (machine!.Properties.DefinitionString['Fn::Join'] as [string, unknown[]])[1];
      const definition = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : '"arn"')).join('').replaceAll('""arn""', '"arn"')) as {
        States: Record<string, { Type: string; Retry?: unknown[]; Catch?: { ErrorEquals: string[]; Next: string }[] }>;
      };
      const tasks = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
      expect(tasks.map(([name]) => name).sort()).toEqual(['CheckAcceptance', 'Escalate', 'RemindOwner', 'TimerFailed']);
      for (const [name, state] of tasks) {
        expect(state.Retry, name).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], BackoffRate: 2, JitterStrategy: 'FULL', MaxAttempts: 6 })]);
        if (name !== 'TimerFailed') expect(state.Catch, name).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'TimerFailed' })]);
      }
    });

    it('then the route function consumes the routing queue in batches and reports item failures', () => {
      // Routing, the effects relay's stream, the platform fetch queue.
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 3);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(demoStack, 'RoutingQueue'), 'Arn'] },
        FunctionName: { Ref: fnId('RouteFunction') },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        // Leads are routed the moment they arrive, not after a batching window.
        MaximumBatchingWindowInSeconds: Match.absent(),
      });
    });

    it('then the HTTP API routes the webhook to ingest, the link actions to actions and the portal to the portal, with payload 2.0', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
      const expected: Record<string, FunctionId> = {
        'POST /leads': 'IngestFunction',
        'OPTIONS /leads': 'IngestFunction',
        'POST /sources/{sourceId}/leads': 'IngestFunction',
        'GET /sources/{sourceId}/leads': 'IngestFunction',
        'OPTIONS /sources/{sourceId}/leads': 'IngestFunction',
        'GET /leads/{id}': 'AdminFunction',
        'DELETE /leads/{id}': 'AdminFunction',
        'POST /admin/simulate': 'AdminSimulateFunction',
        'POST /admin/reps': 'AdminImportsFunction',
        'PATCH /admin/reps/{repId}': 'AdminFunction',
        'POST /admin/reps/{repId}/disable': 'AdminFunction',
        'POST /admin/reps/{repId}/enable': 'AdminFunction',
        'POST /admin/redrive': 'AdminFunction',
        'POST /admin/recount': 'AdminFunction',
        'GET /admin/teams/{teamId}/queue': 'AdminFunction',
        'GET /admin/sources': 'AdminFunction',
        'POST /admin/sources': 'AdminFunction',
        'GET /admin/sources/{sourceId}/secret': 'AdminFunction',
        'PUT /admin/sources/{sourceId}/secret': 'AdminFunction',
        'GET /admin/territories': 'AdminImportsFunction',
        'PUT /admin/territories': 'AdminImportsFunction',
        'GET /admin/territories/history': 'AdminImportsFunction',
        'GET /a/{token}': 'ActionsFunction',
        'HEAD /a/{token}': 'ActionsFunction',
        'POST /a/{token}': 'ActionsFunction',
        'GET /portal': 'PortalFunction',
        'GET /portal/{proxy+}': 'PortalFunction',
        'POST /portal/{proxy+}': 'PortalFunction',
      };
      expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(Object.keys(expected).sort());
      for (const [routeKey, functionId] of Object.entries(expected)) {
        const route = routes.find((candidate) => candidate.Properties.RouteKey === routeKey);
        const target = route?.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
        const integration = integrations[target['Fn::Join'][1][1].Ref]?.Properties;
        expect(integration, routeKey).toMatchObject({
          IntegrationType: 'AWS_PROXY',
          PayloadFormatVersion: '2.0',
          IntegrationUri: { 'Fn::GetAtt': [fnId(functionId), 'Arn'] },
        });
      }
    });

    it('then the SLA timer is a logged, traced STANDARD state machine', () => {
      const logGroup = logicalIdOf(demoStack, 'SlaTimerLogs');
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: Match.objectLike({
          Level: Match.not('OFF'),
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroup, 'Arn'] } } }],
        }),
      });
      expect(template.findResources('AWS::Logs::LogGroup')[logGroup]?.Properties?.RetentionInDays).toBe(30);
    });

    it('then the SLA timer waits for the accept window, checks acceptance, waits to remind the owner, waits for the contact deadline, then escalates', () => {
      const machine = template.findResources('AWS::StepFunctions::StateMachine')[logicalIdOf(demoStack, 'SlaTimer')];
      const definition = parseDefinition(machine?.Properties.DefinitionString);
      const state = (name: string) => definition.States[name];
      const stepParameters = (step: string) => ({
        step,
        'leadId.$': '$.leadId',
        'attempt.$': '$.attempt',
        'acceptDeadline.$': '$.acceptDeadline',
        'reminderAt.$': '$.reminderAt',
        'contactDeadline.$': '$.contactDeadline',
      });

      expect(definition.StartAt).toBe(SlaStates.waitForAcceptWindow);
      expect(state(SlaStates.waitForAcceptWindow)).toMatchObject({ Type: 'Wait', TimestampPath: '$.acceptDeadline', Next: SlaStates.checkAcceptance });
      expect(state(SlaStates.checkAcceptance)).toMatchObject({
        Type: 'Task',
        Resource: `${fnId('EscalateFunction')}.Arn`,
        Parameters: stepParameters('accept-window'),
        ResultPath: null,
        Next: SlaStates.waitForReminder,
      });
      expect(state(SlaStates.waitForReminder)).toMatchObject({ Type: 'Wait', TimestampPath: '$.reminderAt', Next: SlaStates.remindOwner });
      expect(state(SlaStates.remindOwner)).toMatchObject({
        Type: 'Task',
        Resource: `${fnId('EscalateFunction')}.Arn`,
        Parameters: stepParameters('reminder'),
        ResultPath: null,
        Next: SlaStates.waitForContactDeadline,
      });
      expect(state(SlaStates.waitForContactDeadline)).toMatchObject({ Type: 'Wait', TimestampPath: '$.contactDeadline', Next: SlaStates.escalate });
      expect(state(SlaStates.escalate)).toMatchObject({
        Type: 'Task',
        Resource: `${fnId('EscalateFunction')}.Arn`,
        Parameters: stepParameters('contact-deadline'),
        End: true,
      });
    });
  });

  describe('when the IAM policies are inspected', () => {
    it('then ingest may read and write single items (duplicates, idempotency, rate windows) but not scan, query, delete or batch-write', () => {
      const dynamo = allowedActions('IngestFunction').filter((action) => action.startsWith('dynamodb:'));
      expect(dynamo.sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'].sort());
      expect(allowedActions('IngestFunction')).toEqual(expect.arrayContaining(['sqs:SendMessage']));
      expect(allowedActions('IngestFunction')).not.toEqual(expect.arrayContaining(['sqs:ReceiveMessage']));
    });

    it('then the admin function may read and write the table (erasure, a rep\'s changes, sources), the imports function write reps and franchise maps, and the simulator only read', () => {
      const dynamo = (id: FunctionId) => allowedActions(id).filter((action) => action.startsWith('dynamodb:'));
      expect(dynamo('AdminFunction')).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:PutItem']));
      expect(dynamo('AdminImportsFunction')).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']));
      expect(dynamo('AdminImportsFunction')).not.toEqual(expect.arrayContaining(['dynamodb:BatchWriteItem']));
      expect([...new Set(dynamo('AdminSimulateFunction'))].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    });

    it('then only the functions that start timers (route: offers, actions: claims, portal: pulls, the effects relay and the sweeper) may start SLA timer executions, and only on that state machine', () => {
      const startsExecutions = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
        (policy.Properties.PolicyDocument.Statement as PolicyStatementJson[]).some((statement) =>
          actionsOf(statement).some((action) => action === 'states:StartExecution' || action === 'states:*'),
        ),
      );
      expect(startsExecutions.flatMap((policy) => policy.Properties.Roles as unknown[])).toEqual(
        expect.arrayContaining((['RouteFunction', 'ActionsFunction', 'PortalFunction', 'EffectsFunction', 'SweeperFunction'] as const).map((fn) => ({ Ref: roleOfFunction(template, fnId(fn)) }))),
      );
      expect(startsExecutions).toHaveLength(5);
      for (const fn of ['RouteFunction', 'ActionsFunction', 'PortalFunction', 'EffectsFunction', 'SweeperFunction'] as const) {
        const start = statementsOf(fn).find((statement) => actionsOf(statement).includes('states:StartExecution'));
        expect(resourcesOf(start!)).toEqual([{ Ref: logicalIdOf(demoStack, 'SlaTimer') }]);
      }
    });

    it('then ses:SendEmail is granted only to the functions that send (route, escalate, the portal, feedback, the effects relay, the sweeper), on the sender identity and the configuration set, conditioned on the from address', () => {
      const sendsEmail = functionIds.filter((id) => allowedActions(id).includes('ses:SendEmail'));
      expect(sendsEmail.sort()).toEqual(['EffectsFunction', 'EscalateFunction', 'FeedbackFunction', 'PortalFunction', 'RouteFunction', 'SweeperFunction']);
      const sesStatements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
        (policy.Properties.PolicyDocument.Statement as PolicyStatementJson[]).filter((statement) =>
          actionsOf(statement).some((action) => action.startsWith('ses:')),
        ),
      );
      expect(sesStatements.length).toBeGreaterThan(0);
      for (const statement of sesStatements) {
        expect(actionsOf(statement)).toEqual(['ses:SendEmail']);
        expect(statement.Condition).toEqual({ StringEquals: { 'ses:FromAddress': demo.emailFrom } });
        const resources = JSON.stringify(resourcesOf(statement));
        expect(resources).toContain(`:identity/${demo.emailFrom}`);
        expect(resources).toContain(`:identity/${demo.emailFrom.split('@')[1]}`);
        expect(resources).toContain(`:configuration-set/",{"Ref":"${logicalIdOf(demoStack, 'Mail')}"}`);
        expect(resources).not.toContain('*');
      }
    });

    it('then no statement allows Action "*" and Resource "*" appears only where CDK requires it', () => {
      // Actions that cannot be scoped to a resource: X-Ray segments (Lambda and Step Functions
      // tracing) and the vended-log delivery calls Step Functions logging needs.
      const wildcardResourceActions = new Set([
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
        'logs:CreateLogDelivery',
        'logs:GetLogDelivery',
        'logs:UpdateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:DescribeResourcePolicies',
        'logs:DescribeLogGroups',
      ]);
      const lambdaWildcardActions = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
      const lambdaRoles = new Set(functionIds.map((id) => roleOfFunction(template, fnId(id))));
      for (const [policyId, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
        const roles = (policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref);
        const allowed = roles.every((role) => lambdaRoles.has(role)) ? lambdaWildcardActions : wildcardResourceActions;
        for (const statement of policy.Properties.PolicyDocument.Statement as PolicyStatementJson[]) {
          expect(actionsOf(statement).filter((action) => action === '*' || action.endsWith(':*')), policyId).toEqual([]);
          if (resourcesOf(statement).includes('*')) {
            expect(actionsOf(statement).filter((action) => !allowed.has(action)), `${policyId} Resource "*"`).toEqual([]);
          }
        }
      }
    });
  });
});

describe('given a second config for a franchise region in us-east-1 with two teams', () => {
  describe('when it is synthesized in the same app as the demo', () => {
    it('then it is its own stack, named after the config, in its own region', () => {
      expect(stacks.map((stack) => stack.stackName)).toEqual([stackId(demo), stackId(franchise)]);
      expect(franchiseStack.stackName).toBe('LeadRouter-franchise-us-east');
      expect(franchiseStack.region).toBe('us-east-1');
      expect(demoStack.region).toBe('eu-west-1');
    });

    it('then its resources live in us-east-1 and its functions carry its two teams and default team', () => {
      const franchiseTemplate = Template.fromStack(franchiseStack);
      franchiseTemplate.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: [Match.objectLike({ Region: 'us-east-1' })],
      });
      const functions = Object.values(franchiseTemplate.findResources('AWS::Lambda::Function'));
      expect(functions).toHaveLength(functionIds.length);
      expect(functions.filter((fn) => fn.Properties.Environment.Variables.STACK_CONFIG === undefined)).toHaveLength(1);
      // All but the effects relay, which performs what the others recorded and routes nothing itself.
      for (const fn of functions.filter((candidate) => candidate.Properties.Environment.Variables.STACK_CONFIG !== undefined)) {
        const settings = decodeConfigVariable(fn.Properties.Environment.Variables.STACK_CONFIG as string);
        expect(settings).toMatchObject({
          stackName: 'franchise-us-east',
          routing: { defaultTeam: 'commercial', teams: franchise.routing.teams, tiers: { hot: { contactMinutes: 15 } } },
        });
      }
      franchiseTemplate.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'ses:SendEmail',
              Condition: { StringEquals: { 'ses:FromAddress': 'leads@franchise.example.com' } },
              Resource: Match.arrayWith([{ 'Fn::Join': ['', ['arn:aws:ses:us-east-1:', { Ref: 'AWS::AccountId' }, ':identity/leads@franchise.example.com']] }]),
            }),
          ]),
        },
      });
    });
  });
});
