import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { localScope, referencedIds, resolveValue, TemplateError, type ResourceValue } from './intrinsics.ts';
import { parseScheduleExpression } from './scheduler.ts';
import { synthesizeStack } from './synth.ts';
import {
  functionArn,
  localValues,
  parseTemplate,
  resolveFunctions,
  resolveStateMachines,
  type CfnResource,
  type StackModel,
  type SynthesizedStack,
} from './template.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** What provisioning would return for the model's tables and queues. */
function fakeProvisioned(model: StackModel): Record<string, ResourceValue> {
  const values: Record<string, ResourceValue> = {};
  for (const table of model.tables) values[table.logicalId] = { ref: `local-${table.logicalId}`, attributes: { Arn: `arn:table:${table.logicalId}` } };
  for (const queue of model.queues) {
    values[queue.logicalId] = { ref: `http://sqs.local/000000000000/${queue.logicalId}`, attributes: { Arn: `arn:queue:${queue.logicalId}` } };
  }
  return values;
}

describe('the synthesized demo stack', () => {
  let stack: SynthesizedStack;
  let model: StackModel;
  const resourcesOfType = (type: string) => Object.entries(stack.template.Resources).filter(([, resource]) => resource.Type === type);

  beforeAll(async () => {
    stack = await synthesizeStack();
    model = parseTemplate(stack);
  }, 120_000);

  it('given the template, when parsed, then every table keeps its keys, indexes and TTL attribute', () => {
    const tables = [...resourcesOfType('AWS::DynamoDB::Table'), ...resourcesOfType('AWS::DynamoDB::GlobalTable')];
    expect(model.tables.map((table) => table.logicalId)).toEqual(tables.map(([id]) => id));
    for (const [id, resource] of tables) {
      const table = model.tables.find((candidate) => candidate.logicalId === id)!;
      const properties = resource.Properties as Record<string, { IndexName?: string; AttributeName?: string } & object>;
      expect(table.keySchema).toEqual(properties.KeySchema);
      expect(table.globalSecondaryIndexes.map((index) => index.IndexName)).toEqual(
        ((properties.GlobalSecondaryIndexes ?? []) as { IndexName: string }[]).map((index) => index.IndexName),
      );
      expect(table.ttlAttribute).toBe((properties.TimeToLiveSpecification as { AttributeName?: string } | undefined)?.AttributeName);
    }
    expect(model.tables.length).toBeGreaterThan(0);
  });

  it('given queues with a redrive policy, when parsed, then each names a dead-letter queue of the stack and keeps its visibility timeout', () => {
    const redriven = model.queues.filter((queue) => queue.deadLetter);
    expect(redriven.length).toBeGreaterThan(0);
    for (const queue of redriven) {
      expect(model.queues.map((candidate) => candidate.logicalId)).toContain(queue.deadLetter!.queueLogicalId);
      expect(queue.deadLetter!.maxReceiveCount).toBeGreaterThan(0);
      const properties = stack.template.Resources[queue.logicalId]!.Properties!;
      expect(queue.attributes.VisibilityTimeout).toBe(properties.VisibilityTimeout === undefined ? undefined : String(properties.VisibilityTimeout));
    }
  });

  it('given the functions, when parsed, then each has a source entry that exists and exports a handler', () => {
    expect(model.functions.map((fn) => fn.logicalId)).toEqual(resourcesOfType('AWS::Lambda::Function').map(([id]) => id));
    for (const fn of model.functions) {
      expect(existsSync(`${repoRoot}${fn.entry}`)).toBe(true);
      expect(fn.handlerExport).toBe('handler');
      expect(fn.timeoutSeconds).toBeGreaterThan(0);
    }
    // Only the email feedback topic: SES does not bounce locally.
    expect(model.notRunLocally).toEqual([expect.stringMatching(/^topic EmailFeedbackTopic\w+ -> FeedbackFunction\w+ \(replay a sample: npm run invoke -- events\/feedback\/ses-bounce\.json\)$/)]);
  });

  it('given the HTTP API, when parsed, then every route key is bound to a function, POST /leads to ingest', () => {
    expect(model.routes.map((route) => route.routeKey).sort()).toEqual(
      resourcesOfType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties!.RouteKey).sort(),
    );
    const ingest = model.routes.find((route) => route.routeKey === 'POST /leads');
    expect(model.functions.find((fn) => fn.logicalId === ingest?.functionLogicalId)?.entry).toBe('functions/ingest/handler.ts');
    for (const route of model.routes) expect(route.payloadFormatVersion).toBe('2.0');
  });

  /** Mappings whose source is one of the stack's queues, or one of its tables' streams. */
  const mappingsFrom = (...types: string[]) =>
    resourcesOfType('AWS::Lambda::EventSourceMapping').filter(([, resource]) =>
      referencedIds(resource.Properties?.EventSourceArn).some((id) => types.includes(stack.template.Resources[id]?.Type ?? '')),
    );

  it('given the SQS event source, when parsed, then the routing queue feeds the route function with partial batch failures', () => {
    const [mapping] = model.eventSourceMappings;
    expect(model.eventSourceMappings).toHaveLength(mappingsFrom('AWS::SQS::Queue').length);
    expect(model.functions.find((fn) => fn.logicalId === mapping?.functionLogicalId)?.entry).toBe('functions/route/handler.ts');
    expect(model.queues.find((queue) => queue.logicalId === mapping?.queueLogicalId)?.deadLetter).toBeDefined();
    expect(mapping?.reportBatchItemFailures).toBe(true);
    expect(mapping?.batchSize).toBeGreaterThan(0);
  });

  it('given the table stream event source, when parsed, then it feeds the effects relay with bisect, bounded retries, a failure queue and a filter', () => {
    expect(model.streamMappings).toHaveLength(mappingsFrom('AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable').length);
    for (const mapping of model.streamMappings) {
      expect(model.tables.find((table) => table.logicalId === mapping.tableLogicalId)?.streamViewType).toBeDefined();
      expect(model.queues.map((queue) => queue.logicalId)).toContain(mapping.onFailureQueueLogicalId);
      expect(mapping).toMatchObject({ bisectBatchOnFunctionError: true, reportBatchItemFailures: true });
      expect(mapping.maximumRetryAttempts).toBeGreaterThanOrEqual(0);
    }
    const relay = model.streamMappings.find((mapping) => model.functions.find((fn) => fn.logicalId === mapping.functionLogicalId)?.entry === 'functions/effects/handler.ts');
    expect(relay?.filterPatterns.length).toBeGreaterThan(0);
  });

  it('given the scheduled rules, when parsed, then each is a schedule the local scheduler plays, the sweeper among them', () => {
    expect(model.schedules.map((rule) => rule.logicalId)).toEqual(resourcesOfType('AWS::Events::Rule').map(([id]) => id));
    for (const rule of model.schedules) expect(() => parseScheduleExpression(rule.scheduleExpression)).not.toThrow();
    const targets = model.schedules.flatMap((rule) => rule.targets.map((target) => model.functions.find((fn) => fn.logicalId === target.functionLogicalId)?.entry));
    expect(targets).toContain('functions/sweeper/handler.ts');
  });

  it('given local values, when the functions are resolved, then every Ref and GetAtt in their environment becomes a local value', () => {
    const provisioned = fakeProvisioned(model);
    const secretRefs = Object.fromEntries(model.secrets.map((secret) => [secret.logicalId, `file:/tmp/${secret.logicalId}`]));
    const values = localValues(model, { provisioned, apiUrl: 'http://localhost:3000', secretRefs });
    const scope = localScope({ region: model.region, stackName: model.stackName, resources: values });

    for (const fn of resolveFunctions(model, scope)) {
      const raw = model.functions.find((candidate) => candidate.logicalId === fn.logicalId)!.environment;
      expect(Object.keys(fn.environment)).toEqual(Object.keys(raw));
      for (const [key, value] of Object.entries(raw)) {
        const [target] = referencedIds(value);
        if (!target) continue;
        const type = stack.template.Resources[target]!.Type;
        const resolved = fn.environment[key];
        if (type === 'AWS::SecretsManager::Secret') expect(resolved).toBe(`file:/tmp/${target}`);
        else if (type === 'AWS::ApiGatewayV2::Api') expect(resolved).toBe('http://localhost:3000');
        else if (type === 'AWS::StepFunctions::StateMachine') expect(resolved).toBe(`arn:aws:states:${model.region}:000000000000:stateMachine:${target}`);
        else if (type === 'AWS::SES::ConfigurationSet') expect(resolved).toBe(target);
        else expect(resolved).toBe(provisioned[target]!.ref);
      }
    }
  });

  it('given the SLA state machine, when resolved, then its Task states run local functions by placeholder ARN', () => {
    const scope = localScope({
      region: model.region,
      stackName: model.stackName,
      resources: localValues(model, { provisioned: fakeProvisioned(model), apiUrl: 'http://localhost:3000', secretRefs: {} }),
    });
    const [machine] = resolveStateMachines(model, scope);
    expect(machine).toBeDefined();
    const tasks = Object.entries(machine!.definition.States).filter(([, state]) => (state as { Type: string }).Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const [name, state] of tasks) {
      const binding = machine!.tasks[name];
      expect(binding?.style).toBe('function-arn');
      expect((state as { Resource: string }).Resource).toBe(functionArn(model.region, binding!.functionLogicalId));
    }
    expect(model.functions.find((fn) => fn.logicalId === machine!.tasks.Escalate?.functionLogicalId)?.entry).toBe('functions/escalate/handler.ts');
  });
});

describe('resolving intrinsic functions', () => {
  const scope = localScope({
    region: 'eu-west-1',
    stackName: 'LeadRouter-test',
    resources: { Queue: { ref: 'http://q', attributes: { Arn: 'arn:aws:sqs:eu-west-1:000000000000:Queue' } } },
  });

  it('given Fn::Sub with pseudo parameters, attributes and an escaped literal, when resolved, then each is substituted', () => {
    const value = { 'Fn::Sub': ['${AWS::Partition}:${AWS::Region}:${AWS::AccountId} ${Queue.Arn} ${!Literal} ${Own}', { Own: { Ref: 'Queue' } }] };
    expect(resolveValue(value, scope)).toBe('aws:eu-west-1:000000000000 arn:aws:sqs:eu-west-1:000000000000:Queue ${Literal} http://q');
  });

  it('given Fn::Join over Ref and Fn::GetAtt, when resolved, then the parts are joined', () => {
    expect(resolveValue({ 'Fn::Join': ['|', [{ Ref: 'Queue' }, { 'Fn::GetAtt': ['Queue', 'Arn'] }, 'x']] }, scope)).toBe(
      'http://q|arn:aws:sqs:eu-west-1:000000000000:Queue|x',
    );
  });

  it('given a property set to AWS::NoValue, when resolved, then the property is dropped', () => {
    expect(resolveValue({ kept: 'a', dropped: { Ref: 'AWS::NoValue' } }, scope)).toEqual({ kept: 'a' });
  });

  it('given a Ref to a resource without a local value, when resolved, then it fails naming where', () => {
    expect(() => resolveValue({ Ref: 'Bucket' }, scope, 'Fn.Environment.BUCKET')).toThrow(TemplateError);
    expect(() => resolveValue({ Ref: 'Bucket' }, scope, 'Fn.Environment.BUCKET')).toThrow(/Fn\.Environment\.BUCKET: Ref Bucket/);
  });

  it('given nested intrinsics, when scanning references, then resource ids are found and pseudo parameters ignored', () => {
    expect(referencedIds({ 'Fn::Join': ['', [{ Ref: 'AWS::Region' }, { 'Fn::GetAtt': ['Fn', 'Arn'] }, { 'Fn::Sub': '${Table}-${AWS::StackName}' }]] })).toEqual([
      'Fn',
      'Table',
    ]);
  });
});

describe('template shapes beyond the demo stack', () => {
  const stack: SynthesizedStack = {
    stackName: 'Shapes',
    region: 'us-east-1',
    template: {
      Resources: {
        Worker: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.main' }, Metadata: { 'lead-router:entry': 'functions/worker.ts' } },
        CdkProvider: { Type: 'AWS::Lambda::Function', Properties: {} },
        Jobs: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: 'true', VisibilityTimeout: '30' } },
        Flow: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            DefinitionString: {
              'Fn::Join': [
                '',
                [
                  '{"StartAt":"Fan","States":{"Fan":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"',
                  { 'Fn::GetAtt': ['Worker', 'Arn'] },
                  '","Payload.$":"$"},"End":true}}}]}}}',
                ],
              ],
            },
          },
        },
      },
    },
  };

  it('given a function without an entry, when parsed, then it is reported as not run locally', () => {
    const model = parseTemplate(stack);
    expect(model.functions.map((fn) => fn.logicalId)).toEqual(['Worker']);
    expect(model.functions[0]!.handlerExport).toBe('main');
    expect(model.notRunLocally).toEqual([expect.stringContaining('CdkProvider')]);
  });

  it('given a FIFO queue with string attributes, when parsed, then they become SQS attribute strings', () => {
    expect(parseTemplate(stack).queues).toEqual([{ logicalId: 'Jobs', fifo: true, attributes: { VisibilityTimeout: '30', FifoQueue: 'true' } }]);
  });

  it('given a lambda:invoke task inside a Parallel branch, when resolved, then it is bound through the integration', () => {
    const model = parseTemplate(stack);
    const scope = localScope({ region: 'us-east-1', stackName: 'Shapes', resources: localValues(model, { provisioned: {}, apiUrl: 'http://localhost:1', secretRefs: {} }) });
    expect(resolveStateMachines(model, scope)[0]!.tasks).toEqual({ Call: { functionLogicalId: 'Worker', style: 'lambda-invoke' } });
  });
});

describe('table streams and scheduled rules in a template', () => {
  // The shapes CDK synthesizes for DynamoEventSource (with SqsDlq and FilterCriteria.filter) and
  // for Rule with Schedule.rate / Schedule.cron and LambdaFunction targets.
  const resources = (extra: Record<string, CfnResource> = {}): SynthesizedStack => ({
    stackName: 'Streams',
    region: 'eu-west-1',
    template: {
      Resources: {
        Table: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
          },
        },
        Relay: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler' }, Metadata: { 'lead-router:entry': 'functions/relay/handler.ts' } },
        Sweeper: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler' }, Metadata: { 'lead-router:entry': 'functions/sweep/handler.ts' } },
        RelayDlq: { Type: 'AWS::SQS::Queue', Properties: {} },
        RelayDynamoDBEventSourceTable: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: {
            BatchSize: 25,
            BisectBatchOnFunctionError: true,
            DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['RelayDlq', 'Arn'] } } },
            EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
            FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"],"dynamodb":{"NewImage":{"pk":{"S":[{"prefix":"EFFECT#"}]}}}}' }] },
            FunctionName: { Ref: 'Relay' },
            FunctionResponseTypes: ['ReportBatchItemFailures'],
            MaximumBatchingWindowInSeconds: 1,
            MaximumRecordAgeInSeconds: 3600,
            MaximumRetryAttempts: 3,
            ParallelizationFactor: 2,
            StartingPosition: 'TRIM_HORIZON',
          },
        },
        SweepEveryMinute: {
          Type: 'AWS::Events::Rule',
          Properties: { ScheduleExpression: 'rate(1 minute)', State: 'ENABLED', Targets: [{ Arn: { 'Fn::GetAtt': ['Sweeper', 'Arn'] }, Id: 'Target0' }] },
        },
        RecountEvery5: {
          Type: 'AWS::Events::Rule',
          Properties: {
            ScheduleExpression: 'cron(*/5 * * * ? *)',
            State: 'ENABLED',
            Targets: [{ Arn: { 'Fn::GetAtt': ['Sweeper', 'Arn'] }, Id: 'Target0', Input: '{"job":"recount"}' }],
          },
        },
        Paused: {
          Type: 'AWS::Events::Rule',
          Properties: { ScheduleExpression: 'rate(1 hour)', State: 'DISABLED', Targets: [{ Arn: { 'Fn::GetAtt': ['Sweeper', 'Arn'] }, Id: 'Target0' }] },
        },
        OnBounce: {
          Type: 'AWS::Events::Rule',
          Properties: { EventPattern: { source: ['aws.ses'] }, State: 'ENABLED', Targets: [{ Arn: { 'Fn::GetAtt': ['Sweeper', 'Arn'] }, Id: 'Target0' }] },
        },
        ...extra,
      },
    },
  });
  const withMapping = (changes: Record<string, unknown>) =>
    resources({
      RelayDynamoDBEventSourceTable: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { ...resources().template.Resources.RelayDynamoDBEventSourceTable!.Properties, ...changes },
      },
    });

  it('given a DynamoEventSource mapping, when parsed, then it is a stream mapping with every setting, and no SQS mapping', () => {
    const model = parseTemplate(resources());
    expect(model.streamMappings).toEqual([
      {
        logicalId: 'RelayDynamoDBEventSourceTable',
        functionLogicalId: 'Relay',
        tableLogicalId: 'Table',
        startingPosition: 'TRIM_HORIZON',
        batchSize: 25,
        maximumBatchingWindowInSeconds: 1,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 3,
        maximumRecordAgeInSeconds: 3600,
        parallelizationFactor: 2,
        reportBatchItemFailures: true,
        onFailureQueueLogicalId: 'RelayDlq',
        filterPatterns: ['{"eventName":["INSERT"],"dynamodb":{"NewImage":{"pk":{"S":[{"prefix":"EFFECT#"}]}}}}'],
      },
    ]);
    expect(model.eventSourceMappings).toEqual([]);
    expect(model.notRunLocally.filter((note) => note.includes('event source mapping'))).toEqual([]);
  });

  it('given a stream mapping with only its starting position, when parsed, then Lambda\'s stream defaults apply', () => {
    const model = parseTemplate(
      resources({
        RelayDynamoDBEventSourceTable: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] }, FunctionName: { Ref: 'Relay' }, StartingPosition: 'LATEST' },
        },
      }),
    );
    expect(model.streamMappings[0]).toEqual({
      logicalId: 'RelayDynamoDBEventSourceTable',
      functionLogicalId: 'Relay',
      tableLogicalId: 'Table',
      startingPosition: 'LATEST',
      batchSize: 100,
      maximumBatchingWindowInSeconds: 0,
      bisectBatchOnFunctionError: false,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      parallelizationFactor: 1,
      reportBatchItemFailures: false,
      filterPatterns: [],
    });
  });

  it.each([
    ['a filter the local matcher cannot play', { FilterCriteria: { Filters: [{ Pattern: '{"dynamodb":{"Keys":{"pk":{"S":[{"wildcard":"EFFECT#*"}]}}}}' }] } }, /RelayDynamoDBEventSourceTable\.FilterCriteria\.Filters\[0\]\.Pattern.*"wildcard" is not supported/],
    ['an OnFailure topic instead of a queue', { DestinationConfig: { OnFailure: { Destination: 'arn:aws:sns:eu-west-1:1:topic' } } }, /OnFailure destination must be an SQS queue/],
    ['a parallelization factor Lambda refuses', { ParallelizationFactor: 11 }, /ParallelizationFactor/],
    ['a tumbling window', { TumblingWindowInSeconds: 30 }, /TumblingWindowInSeconds is not supported/],
  ])('given a stream mapping with %s, when parsed, then it fails loudly', (_name, changes, message) => {
    expect(() => parseTemplate(withMapping(changes))).toThrow(TemplateError);
    expect(() => parseTemplate(withMapping(changes))).toThrow(message);
  });

  it('given a stream mapping on a table without a stream, when parsed, then it fails naming the table', () => {
    const stack = resources();
    const table = stack.template.Resources.Table!;
    const { StreamSpecification: _dropped, ...properties } = table.Properties!;
    expect(() => parseTemplate(resources({ Table: { ...table, Properties: properties } }))).toThrow(/table Table has no StreamSpecification/);
  });

  it('given scheduled rules, when parsed, then enabled ones become schedules with their targets and input, pattern rules are reported', () => {
    const model = parseTemplate(resources());
    expect(model.schedules).toEqual([
      { logicalId: 'SweepEveryMinute', scheduleExpression: 'rate(1 minute)', targets: [{ id: 'Target0', functionLogicalId: 'Sweeper' }] },
      { logicalId: 'RecountEvery5', scheduleExpression: 'cron(*/5 * * * ? *)', targets: [{ id: 'Target0', functionLogicalId: 'Sweeper', input: '{"job":"recount"}' }] },
    ]);
    expect(model.notRunLocally).toEqual(['rule OnBounce (only scheduled rules run locally)']);
  });

  it('given a rule with a schedule the local scheduler cannot play, when parsed, then it fails loudly naming the rule', () => {
    const rule = (ScheduleExpression: string): Record<string, CfnResource> => ({
      SweepEveryMinute: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression, Targets: [{ Arn: { 'Fn::GetAtt': ['Sweeper', 'Arn'] }, Id: 'Target0' }] } },
    });
    expect(() => parseTemplate(resources(rule('cron(0 9 ? * MON-FRI *)')))).toThrow(/SweepEveryMinute\.ScheduleExpression/);
    expect(() => parseTemplate(resources(rule('rate(1 minutes)')))).toThrow(TemplateError);
  });
});
