import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { localScope, referencedIds, resolveValue, TemplateError, type ResourceValue } from './intrinsics.ts';
import { synthesizeStack } from './synth.ts';
import {
  functionArn,
  localValues,
  parseTemplate,
  resolveFunctions,
  resolveStateMachines,
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

  beforeAll(() => {
    stack = synthesizeStack();
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

  it('given the SQS event source, when parsed, then the routing queue feeds the route function with partial batch failures', () => {
    const [mapping] = model.eventSourceMappings;
    expect(model.eventSourceMappings).toHaveLength(resourcesOfType('AWS::Lambda::EventSourceMapping').length);
    expect(model.functions.find((fn) => fn.logicalId === mapping?.functionLogicalId)?.entry).toBe('functions/route/handler.ts');
    expect(model.queues.find((queue) => queue.logicalId === mapping?.queueLogicalId)?.deadLetter).toBeDefined();
    expect(mapping?.reportBatchItemFailures).toBe(true);
    expect(mapping?.batchSize).toBeGreaterThan(0);
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
