import { z } from 'zod';
import { ENTRY_METADATA, FILES_METADATA } from '#infra/function-code.ts';
import { compileFilters } from './event-pattern.ts';
import {
  LOCAL_ACCOUNT_ID,
  referencedIds,
  resolveString,
  resolveValue,
  TemplateError,
  type ResolveScope,
  type ResourceValue,
} from './intrinsics.ts';
import { parseScheduleExpression } from './scheduler.ts';

/**
 * The synthesized stack read into what the local runtime needs: tables, queues, functions,
 * routes, event source mappings (queues and table streams), scheduled rules, state machines and
 * secrets. Parsing is pure and keeps
 * CloudFormation values unresolved; `resolveFunctions` and `resolveStateMachines` turn them into
 * local values once the emulators and servers exist, so nothing here repeats the stack by hand.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface StackTemplate {
  readonly Resources: Record<string, CfnResource>;
}

export interface MetadataEntry {
  readonly type: string;
  readonly data?: unknown;
}

/** A template plus the cloud assembly's construct metadata (where CDK keeps `addMetadata` entries). */
export interface SynthesizedStack {
  readonly stackName: string;
  readonly region: string;
  readonly template: StackTemplate;
  readonly metadata?: Readonly<Record<string, readonly MetadataEntry[]>>;
}

const KeySchema = z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) })).min(1);
const Projection = z.object({
  ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']).optional(),
  NonKeyAttributes: z.array(z.string()).optional(),
});
const SecondaryIndex = z.object({ IndexName: z.string(), KeySchema, Projection: Projection.optional() });
const TableProperties = z.object({
  KeySchema,
  AttributeDefinitions: z.array(z.object({ AttributeName: z.string(), AttributeType: z.enum(['S', 'N', 'B']) })),
  GlobalSecondaryIndexes: z.array(SecondaryIndex).optional(),
  LocalSecondaryIndexes: z.array(SecondaryIndex).optional(),
  TimeToLiveSpecification: z.object({ AttributeName: z.string().optional(), Enabled: z.boolean() }).optional(),
  StreamSpecification: z.object({ StreamViewType: z.string() }).optional(),
});
export type KeySchemaElement = z.infer<typeof KeySchema>[number];
export type SecondaryIndexModel = z.infer<typeof SecondaryIndex>;

// CloudFormation accepts numbers and booleans as strings too.
const Count = z.coerce.number().int().nonnegative();
const Flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);
const QueueProperties = z.object({
  VisibilityTimeout: Count.optional(),
  DelaySeconds: Count.optional(),
  MaximumMessageSize: Count.optional(),
  MessageRetentionPeriod: Count.optional(),
  ReceiveMessageWaitTimeSeconds: Count.optional(),
  FifoQueue: Flag.optional(),
  ContentBasedDeduplication: Flag.optional(),
  RedrivePolicy: z.object({ deadLetterTargetArn: z.unknown(), maxReceiveCount: z.coerce.number().int().positive() }).optional(),
});

const FunctionProperties = z.object({
  Handler: z.string().optional(),
  Timeout: z.number().optional(),
  MemorySize: z.number().optional(),
  ReservedConcurrentExecutions: Count.optional(),
  Environment: z.object({ Variables: z.record(z.string(), z.unknown()).optional() }).optional(),
});

const EventSourceMappingProperties = z.object({
  FunctionName: z.unknown(),
  EventSourceArn: z.unknown().optional(),
  BatchSize: z.number().int().positive().optional(),
  MaximumBatchingWindowInSeconds: z.number().nonnegative().optional(),
  FunctionResponseTypes: z.array(z.string()).optional(),
  Enabled: z.boolean().optional(),
  ScalingConfig: z.object({ MaximumConcurrency: z.number().int().positive().optional() }).optional(),
});

// What CDK's DynamoEventSource synthesizes; the limits are Lambda's, so a value AWS would
// refuse fails here too instead of running locally.
const StreamMappingProperties = z.object({
  FunctionName: z.unknown(),
  EventSourceArn: z.unknown(),
  StartingPosition: z.enum(['TRIM_HORIZON', 'LATEST']),
  BatchSize: z.coerce.number().int().min(1).max(10_000).optional(),
  MaximumBatchingWindowInSeconds: z.coerce.number().int().min(0).max(300).optional(),
  BisectBatchOnFunctionError: Flag.optional(),
  MaximumRetryAttempts: z.coerce.number().int().min(-1).max(10_000).optional(),
  MaximumRecordAgeInSeconds: z.coerce
    .number()
    .int()
    .refine((age) => age === -1 || (age >= 60 && age <= 604_800), 'must be -1 or 60..604800')
    .optional(),
  ParallelizationFactor: z.coerce.number().int().min(1).max(10).optional(),
  FunctionResponseTypes: z.array(z.literal('ReportBatchItemFailures')).optional(),
  Enabled: Flag.optional(),
  TumblingWindowInSeconds: z.coerce.number().optional(),
  DestinationConfig: z.object({ OnFailure: z.object({ Destination: z.unknown() }).optional() }).optional(),
  FilterCriteria: z.object({ Filters: z.array(z.object({ Pattern: z.string() })).optional() }).optional(),
});

const RuleProperties = z.object({
  ScheduleExpression: z.string().optional(),
  EventPattern: z.unknown().optional(),
  State: z.string().optional(),
  Targets: z
    .array(
      z.object({
        Arn: z.unknown(),
        Id: z.string(),
        Input: z.unknown().optional(),
        InputPath: z.unknown().optional(),
        InputTransformer: z.unknown().optional(),
      }),
    )
    .optional(),
});

const RouteProperties = z.object({ RouteKey: z.string(), Target: z.unknown().optional() });
const IntegrationProperties = z.object({ IntegrationUri: z.unknown().optional(), PayloadFormatVersion: z.string().optional() });

const SecretProperties = z.object({
  SecretString: z.unknown().optional(),
  GenerateSecretString: z
    .object({
      PasswordLength: z.number().int().positive().optional(),
      SecretStringTemplate: z.string().optional(),
      GenerateStringKey: z.string().optional(),
    })
    .optional(),
});

const StateMachineProperties = z.object({
  DefinitionString: z.unknown().optional(),
  Definition: z.unknown().optional(),
  DefinitionSubstitutions: z.record(z.string(), z.unknown()).optional(),
  StateMachineType: z.string().optional(),
});

export interface TableModel {
  readonly logicalId: string;
  readonly keySchema: KeySchemaElement[];
  readonly attributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  readonly globalSecondaryIndexes: SecondaryIndexModel[];
  readonly localSecondaryIndexes: SecondaryIndexModel[];
  readonly ttlAttribute?: string;
  readonly streamViewType?: string;
}

export interface QueueModel {
  readonly logicalId: string;
  readonly fifo: boolean;
  /** SQS attribute values as the API takes them (strings), without the redrive policy. */
  readonly attributes: Record<string, string>;
  readonly deadLetter?: { readonly queueLogicalId: string; readonly maxReceiveCount: number };
}

export interface FunctionModel {
  readonly logicalId: string;
  /** Source entry relative to the repository root, from the `lead-router:entry` metadata. */
  readonly entry: string;
  /** Files the code reads beside its bundle, relative to the repository root (or absolute), from the `lead-router:files` metadata. */
  readonly files: readonly string[];
  readonly handlerExport: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /**
   * `ReservedConcurrentExecutions`: at most this many execution environments at once (0: every
   * invocation throttled); absent, the function draws on the account's unreserved pool.
   */
  readonly reservedConcurrency?: number;
  readonly environment: Record<string, unknown>;
}

export interface RouteModel {
  readonly routeKey: string;
  /** Upper-case method, `ANY`, or undefined for `$default`. */
  readonly method?: string;
  readonly path?: string;
  readonly functionLogicalId: string;
  readonly payloadFormatVersion: string;
}

export interface EventSourceMappingModel {
  readonly logicalId: string;
  readonly functionLogicalId: string;
  readonly queueLogicalId: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly maximumConcurrency?: number;
}

/** A table stream feeding a function, played by stream-poller.ts. */
export interface StreamMappingModel {
  readonly logicalId: string;
  readonly functionLogicalId: string;
  readonly tableLogicalId: string;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** -1: retried until the record leaves the stream. */
  readonly maximumRetryAttempts: number;
  /** -1: no limit. */
  readonly maximumRecordAgeInSeconds: number;
  readonly parallelizationFactor: number;
  readonly reportBatchItemFailures: boolean;
  /** The SQS queue of the stack that gets a record of each batch given up on. */
  readonly onFailureQueueLogicalId?: string;
  /** `FilterCriteria` patterns (JSON text), OR-ed; none lets every record through. */
  readonly filterPatterns: string[];
}

export interface ScheduleTargetModel {
  readonly id: string;
  readonly functionLogicalId: string;
  /** The target's constant `Input` (JSON text), sent instead of the scheduled event. */
  readonly input?: string;
}

/** An enabled scheduled EventBridge rule with at least one local function target. */
export interface ScheduleModel {
  readonly logicalId: string;
  readonly scheduleExpression: string;
  readonly targets: ScheduleTargetModel[];
}

export interface SecretModel {
  readonly logicalId: string;
  readonly secretString?: unknown;
  readonly length: number;
  readonly template?: string;
  readonly generateKey?: string;
}

export interface StateMachineModel {
  readonly logicalId: string;
  readonly definition: unknown;
  readonly substitutions: Record<string, unknown>;
}

export interface StackModel {
  readonly stackName: string;
  readonly region: string;
  readonly tables: TableModel[];
  readonly queues: QueueModel[];
  readonly functions: FunctionModel[];
  readonly routes: RouteModel[];
  readonly apis: string[];
  readonly eventSourceMappings: EventSourceMappingModel[];
  readonly streamMappings: StreamMappingModel[];
  readonly schedules: ScheduleModel[];
  readonly stateMachines: StateMachineModel[];
  readonly secrets: SecretModel[];
  /** SES configuration sets: a name locally (aws-ses-v2-local takes and ignores it). */
  readonly configurationSets: string[];
  /** Things in the template the local runtime does not run, worth a warning at start. */
  readonly notRunLocally: string[];
}

/** Lambda's defaults when the template leaves them out. */
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_MB = 128;
const DEFAULT_SQS_BATCH_SIZE = 10;
const DEFAULT_STREAM_BATCH_SIZE = 100;

export function parseTemplate(stack: SynthesizedStack): StackModel {
  const resources = stack.template.Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const propertiesOf = <T extends z.ZodType>(schema: T, id: string): z.infer<T> => {
    const result = schema.safeParse(resources[id]?.Properties ?? {});
    if (!result.success) throw new TemplateError(`${id}: ${z.prettifyError(result.error)}`);
    return result.data;
  };
  const notRunLocally: string[] = [];
  const entries = entriesByLogicalId(stack);

  const tables = [...ofType('AWS::DynamoDB::Table'), ...ofType('AWS::DynamoDB::GlobalTable')].map(([logicalId]): TableModel => {
    const p = propertiesOf(TableProperties, logicalId);
    return {
      logicalId,
      keySchema: p.KeySchema,
      attributeDefinitions: p.AttributeDefinitions,
      globalSecondaryIndexes: p.GlobalSecondaryIndexes ?? [],
      localSecondaryIndexes: p.LocalSecondaryIndexes ?? [],
      ...(p.TimeToLiveSpecification?.Enabled && p.TimeToLiveSpecification.AttributeName
        ? { ttlAttribute: p.TimeToLiveSpecification.AttributeName }
        : {}),
      ...(p.StreamSpecification ? { streamViewType: p.StreamSpecification.StreamViewType } : {}),
    };
  });

  const queueIds = new Set(ofType('AWS::SQS::Queue').map(([id]) => id));
  const queues = [...queueIds].map((logicalId): QueueModel => {
    const { RedrivePolicy, FifoQueue, ContentBasedDeduplication, ...numeric } = propertiesOf(QueueProperties, logicalId);
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(numeric)) if (value !== undefined) attributes[key] = String(value);
    if (FifoQueue) attributes.FifoQueue = 'true';
    if (ContentBasedDeduplication !== undefined) attributes.ContentBasedDeduplication = String(ContentBasedDeduplication);
    let deadLetter: QueueModel['deadLetter'];
    if (RedrivePolicy) {
      const target = referencedIds(RedrivePolicy.deadLetterTargetArn).find((id) => queueIds.has(id));
      if (!target) throw new TemplateError(`${logicalId}: RedrivePolicy must point at a queue of this stack`);
      deadLetter = { queueLogicalId: target, maxReceiveCount: RedrivePolicy.maxReceiveCount };
    }
    return { logicalId, fifo: FifoQueue === true, attributes, ...(deadLetter ? { deadLetter } : {}) };
  });

  const functions: FunctionModel[] = [];
  for (const [logicalId] of ofType('AWS::Lambda::Function')) {
    const code = entries.get(logicalId);
    if (!code) {
      // CDK's own helper functions (custom resource providers, log retention) have no entry.
      notRunLocally.push(`function ${logicalId} (no ${ENTRY_METADATA} metadata)`);
      continue;
    }
    const p = propertiesOf(FunctionProperties, logicalId);
    functions.push({
      logicalId,
      ...code,
      handlerExport: p.Handler?.split('.').pop() ?? 'handler',
      timeoutSeconds: p.Timeout ?? DEFAULT_TIMEOUT_SECONDS,
      memorySize: p.MemorySize ?? DEFAULT_MEMORY_MB,
      ...(p.ReservedConcurrentExecutions !== undefined ? { reservedConcurrency: p.ReservedConcurrentExecutions } : {}),
      environment: p.Environment?.Variables ?? {},
    });
  }
  const functionIds = new Set(functions.map((fn) => fn.logicalId));
  const functionIn = (value: unknown) => referencedIds(value).find((id) => functionIds.has(id));

  const routes: RouteModel[] = [];
  for (const [logicalId] of ofType('AWS::ApiGatewayV2::Route')) {
    const p = propertiesOf(RouteProperties, logicalId);
    const integrationId = referencedIds(p.Target).find((id) => resources[id]?.Type === 'AWS::ApiGatewayV2::Integration');
    const integration = integrationId ? propertiesOf(IntegrationProperties, integrationId) : undefined;
    const functionLogicalId = integration && functionIn(integration.IntegrationUri);
    if (!integration || !functionLogicalId) {
      notRunLocally.push(`route "${p.RouteKey}" (target is not a local function)`);
      continue;
    }
    const [method, path] = p.RouteKey === '$default' ? [] : p.RouteKey.split(' ', 2);
    routes.push({
      routeKey: p.RouteKey,
      ...(method ? { method: method.toUpperCase() } : {}),
      ...(path ? { path } : {}),
      functionLogicalId,
      payloadFormatVersion: integration.PayloadFormatVersion ?? '2.0',
    });
  }

  const tableIds = new Set(tables.map((table) => table.logicalId));
  const eventSourceMappings: EventSourceMappingModel[] = [];
  const streamMappings: StreamMappingModel[] = [];
  for (const [logicalId, resource] of ofType('AWS::Lambda::EventSourceMapping')) {
    const tableLogicalId = referencedIds(resource.Properties?.EventSourceArn).find((id) => tableIds.has(id));
    if (tableLogicalId) {
      const mapping = parseStreamMapping(logicalId, tableLogicalId, propertiesOf(StreamMappingProperties, logicalId));
      if (mapping) streamMappings.push(mapping);
      continue;
    }
    const p = propertiesOf(EventSourceMappingProperties, logicalId);
    const functionLogicalId = functionIn(p.FunctionName);
    const queueLogicalId = referencedIds(p.EventSourceArn).find((id) => queueIds.has(id));
    if (!functionLogicalId || !queueLogicalId) {
      notRunLocally.push(`event source mapping ${logicalId} (only SQS queues and table streams feeding local functions are polled)`);
      continue;
    }
    if (p.Enabled === false) continue;
    eventSourceMappings.push({
      logicalId,
      functionLogicalId,
      queueLogicalId,
      batchSize: p.BatchSize ?? DEFAULT_SQS_BATCH_SIZE,
      maximumBatchingWindowInSeconds: p.MaximumBatchingWindowInSeconds ?? 0,
      reportBatchItemFailures: p.FunctionResponseTypes?.includes('ReportBatchItemFailures') ?? false,
      ...(p.ScalingConfig?.MaximumConcurrency ? { maximumConcurrency: p.ScalingConfig.MaximumConcurrency } : {}),
    });
  }

  function parseStreamMapping(logicalId: string, tableLogicalId: string, p: z.infer<typeof StreamMappingProperties>): StreamMappingModel | undefined {
    const functionLogicalId = functionIn(p.FunctionName);
    if (!functionLogicalId) {
      notRunLocally.push(`event source mapping ${logicalId} (its function is not a local function)`);
      return undefined;
    }
    if (p.Enabled === false) return undefined;
    if (!tables.find((table) => table.logicalId === tableLogicalId)?.streamViewType) {
      throw new TemplateError(`${logicalId}: table ${tableLogicalId} has no StreamSpecification`);
    }
    // Tumbling windows change the event and response shape; better refused than played wrong.
    if (p.TumblingWindowInSeconds) throw new TemplateError(`${logicalId}: TumblingWindowInSeconds is not supported locally`);
    let onFailureQueueLogicalId: string | undefined;
    const destination = p.DestinationConfig?.OnFailure?.Destination;
    if (destination !== undefined) {
      onFailureQueueLogicalId = referencedIds(destination).find((id) => queueIds.has(id));
      if (!onFailureQueueLogicalId) throw new TemplateError(`${logicalId}: the OnFailure destination must be an SQS queue of this stack to run locally`);
    }
    const filterPatterns = (p.FilterCriteria?.Filters ?? []).map((filter) => filter.Pattern);
    // Compiled here only to fail at start on a pattern the local filter cannot play.
    compileFilters(filterPatterns, `${logicalId}.FilterCriteria`);
    return {
      logicalId,
      functionLogicalId,
      tableLogicalId,
      startingPosition: p.StartingPosition,
      batchSize: p.BatchSize ?? DEFAULT_STREAM_BATCH_SIZE,
      maximumBatchingWindowInSeconds: p.MaximumBatchingWindowInSeconds ?? 0,
      bisectBatchOnFunctionError: p.BisectBatchOnFunctionError ?? false,
      maximumRetryAttempts: p.MaximumRetryAttempts ?? -1,
      maximumRecordAgeInSeconds: p.MaximumRecordAgeInSeconds ?? -1,
      parallelizationFactor: p.ParallelizationFactor ?? 1,
      reportBatchItemFailures: p.FunctionResponseTypes?.includes('ReportBatchItemFailures') ?? false,
      ...(onFailureQueueLogicalId ? { onFailureQueueLogicalId } : {}),
      filterPatterns,
    };
  }

  const schedules: ScheduleModel[] = [];
  for (const [logicalId] of ofType('AWS::Events::Rule')) {
    const p = propertiesOf(RuleProperties, logicalId);
    if (p.State !== undefined && p.State !== 'ENABLED') continue;
    if (p.ScheduleExpression === undefined) {
      notRunLocally.push(`rule ${logicalId} (only scheduled rules run locally)`);
      continue;
    }
    parseScheduleExpression(p.ScheduleExpression, `${logicalId}.ScheduleExpression`);
    const targets: ScheduleTargetModel[] = [];
    for (const target of p.Targets ?? []) {
      const where = `${logicalId}.Targets.${target.Id}`;
      const functionLogicalId = functionIn(target.Arn);
      if (!functionLogicalId) {
        notRunLocally.push(`rule ${logicalId} target ${target.Id} (not a local function)`);
        continue;
      }
      if (target.InputPath !== undefined || target.InputTransformer !== undefined) {
        throw new TemplateError(`${where}: InputPath and InputTransformer are not supported locally`);
      }
      if (target.Input !== undefined) {
        if (typeof target.Input !== 'string') throw new TemplateError(`${where}: Input must be a JSON string without intrinsics to run locally`);
        try {
          JSON.parse(target.Input);
        } catch {
          throw new TemplateError(`${where}: Input is not valid JSON`);
        }
      }
      targets.push({ id: target.Id, functionLogicalId, ...(typeof target.Input === 'string' ? { input: target.Input } : {}) });
    }
    if (targets.length) schedules.push({ logicalId, scheduleExpression: p.ScheduleExpression, targets });
  }

  const stateMachines = ofType('AWS::StepFunctions::StateMachine').map(([logicalId]): StateMachineModel => {
    const p = propertiesOf(StateMachineProperties, logicalId);
    if (p.StateMachineType === 'EXPRESS') notRunLocally.push(`state machine ${logicalId} runs as STANDARD locally`);
    return { logicalId, definition: p.DefinitionString ?? p.Definition, substitutions: p.DefinitionSubstitutions ?? {} };
  });

  const secrets = ofType('AWS::SecretsManager::Secret').map(([logicalId]): SecretModel => {
    const p = propertiesOf(SecretProperties, logicalId);
    const generate = p.GenerateSecretString;
    return {
      logicalId,
      length: generate?.PasswordLength ?? 64,
      ...(p.SecretString !== undefined ? { secretString: p.SecretString } : {}),
      ...(generate?.SecretStringTemplate ? { template: generate.SecretStringTemplate } : {}),
      ...(generate?.GenerateStringKey ? { generateKey: generate.GenerateStringKey } : {}),
    };
  });

  // SES publishes bounces and complaints through SNS; locally nothing bounces, so a sample
  // notification is fed to the subscribed function by hand.
  for (const [logicalId, subscription] of ofType('AWS::SNS::Subscription')) {
    const p = subscription.Properties ?? {};
    const target = referencedIds(p.Endpoint).find((id) => resources[id]?.Type === 'AWS::Lambda::Function');
    const topic = referencedIds(p.TopicArn)[0];
    if (p.Protocol === 'lambda' && target) {
      notRunLocally.push(`topic ${topic ?? logicalId} -> ${target} (replay a sample: npm run invoke -- events/feedback/ses-bounce.json)`);
    }
  }

  // A deploy loads the stack config's territories file into the table through a custom
  // resource; the local runtime loads the same file itself when it starts (seed.ts).
  for (const [logicalId] of ofType('Custom::FranchiseTerritories')) {
    notRunLocally.push(`custom resource ${logicalId} (the territories file is loaded when the stack starts instead)`);
  }

  return {
    stackName: stack.stackName,
    region: stack.region,
    tables,
    queues,
    functions,
    routes,
    apis: ofType('AWS::ApiGatewayV2::Api').map(([id]) => id),
    eventSourceMappings,
    streamMappings,
    schedules,
    stateMachines,
    secrets,
    configurationSets: ofType('AWS::SES::ConfigurationSet').map(([id]) => id),
    notRunLocally,
  };
}

/**
 * CDK keeps `node.addMetadata` entries in the cloud assembly, not in the template, keyed by
 * construct path; the logical id sits next to them. A template resource `Metadata` entry is
 * honoured too, so either way of tagging a function works.
 */
function entriesByLogicalId(stack: SynthesizedStack): Map<string, { entry: string; files: readonly string[] }> {
  const entries = new Map<string, { entry: string; files: readonly string[] }>();
  const filesOf = (data: unknown): readonly string[] => (Array.isArray(data) ? data.filter((file): file is string => typeof file === 'string') : []);
  for (const list of Object.values(stack.metadata ?? {})) {
    const logicalId = list.find((entry) => entry.type === 'aws:cdk:logicalId')?.data;
    const entry = list.find((item) => item.type === ENTRY_METADATA)?.data;
    const files = filesOf(list.find((item) => item.type === FILES_METADATA)?.data);
    if (typeof logicalId === 'string' && typeof entry === 'string') entries.set(logicalId, { entry, files });
  }
  for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
    const entry = resource.Metadata?.[ENTRY_METADATA];
    if (typeof entry === 'string') entries.set(logicalId, { entry, files: filesOf(resource.Metadata?.[FILES_METADATA]) });
  }
  return entries;
}

export function functionArn(region: string, name: string, accountId = LOCAL_ACCOUNT_ID): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}

export function stateMachineArn(region: string, name: string, accountId = LOCAL_ACCOUNT_ID): string {
  return `arn:aws:states:${region}:${accountId}:stateMachine:${name}`;
}

export interface LocalValueInputs {
  readonly accountId?: string;
  /** Tables and queues as provisioned (see provision.ts). */
  readonly provisioned: Readonly<Record<string, ResourceValue>>;
  /** Base URL of the local gateway, standing in for every HTTP API's endpoint. */
  readonly apiUrl: string;
  /** `file:<path>` reference per secret logical id (see secrets.ts). */
  readonly secretRefs: Readonly<Record<string, string>>;
}

/**
 * What Ref and GetAtt return locally: function names are their logical ids with placeholder
 * ARNs, state machines likewise, every HTTP API is the local gateway, every secret a file.
 */
export function localValues(model: StackModel, inputs: LocalValueInputs): Record<string, ResourceValue> {
  const accountId = inputs.accountId ?? LOCAL_ACCOUNT_ID;
  const values: Record<string, ResourceValue> = { ...inputs.provisioned };
  for (const fn of model.functions) {
    values[fn.logicalId] = { ref: fn.logicalId, attributes: { Arn: functionArn(model.region, fn.logicalId, accountId) } };
  }
  for (const sm of model.stateMachines) {
    const arn = stateMachineArn(model.region, sm.logicalId, accountId);
    values[sm.logicalId] = { ref: arn, attributes: { Arn: arn, Name: sm.logicalId } };
  }
  const api = new URL(inputs.apiUrl);
  for (const id of model.apis) {
    values[id] = { ref: id, attributes: { ApiEndpoint: inputs.apiUrl.replace(/\/$/, ''), ApiId: id, Host: api.host } };
  }
  for (const id of model.configurationSets) values[id] = { ref: id, attributes: {} };
  for (const secret of model.secrets) {
    const ref = inputs.secretRefs[secret.logicalId];
    if (ref) values[secret.logicalId] = { ref, attributes: { Id: ref } };
  }
  return values;
}

export interface LocalFunction extends Omit<FunctionModel, 'environment'> {
  readonly name: string;
  readonly arn: string;
  readonly environment: Record<string, string>;
}

export function resolveFunctions(model: StackModel, scope: ResolveScope): LocalFunction[] {
  return model.functions.map((fn) => {
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(fn.environment)) {
      environment[key] = resolveString(value, scope, `${fn.logicalId}.Environment.${key}`);
    }
    return { ...fn, name: fn.logicalId, arn: functionArn(scope.region, fn.logicalId, scope.accountId), environment };
  });
}

/** How a Task state reaches its function: a bare function ARN, or the `lambda:invoke` integration. */
export interface TaskBinding {
  readonly functionLogicalId: string;
  readonly style: 'function-arn' | 'lambda-invoke';
}

export interface LocalStateMachine {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly definition: { StartAt: string; States: Record<string, unknown> } & Record<string, unknown>;
  /** Task state name → the local function it runs. */
  readonly tasks: Record<string, TaskBinding>;
}

const Definition = z.looseObject({ StartAt: z.string(), States: z.record(z.string(), z.unknown()) });

export function resolveStateMachines(model: StackModel, scope: ResolveScope): LocalStateMachine[] {
  const functionByArnOrName = new Map<string, string>();
  for (const fn of model.functions) {
    const arn = functionArn(scope.region, fn.logicalId, scope.accountId);
    for (const key of [fn.logicalId, arn, `${arn}:$LATEST`]) functionByArnOrName.set(key, fn.logicalId);
  }
  return model.stateMachines.map((sm) => {
    const where = `${sm.logicalId}.Definition`;
    const resolved = resolveValue(sm.definition, scope, where);
    let text = typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
    for (const [key, value] of Object.entries(sm.substitutions)) {
      text = text.replaceAll(`\${${key}}`, resolveString(value, scope, `${sm.logicalId}.DefinitionSubstitutions.${key}`));
    }
    const parsed = Definition.safeParse(JSON.parse(text));
    if (!parsed.success) throw new TemplateError(`${where}: ${z.prettifyError(parsed.error)}`);
    const tasks: Record<string, TaskBinding> = {};
    bindTasks(parsed.data.States, functionByArnOrName, tasks);
    const arn = stateMachineArn(scope.region, sm.logicalId, scope.accountId);
    return { logicalId: sm.logicalId, name: sm.logicalId, arn, definition: parsed.data, tasks };
  });
}

const TaskState = z.object({
  Type: z.literal('Task'),
  Resource: z.string(),
  Parameters: z.looseObject({ FunctionName: z.string().optional() }).optional(),
});
const NestedStates = z.object({
  Branches: z.array(z.object({ States: z.record(z.string(), z.unknown()) })).optional(),
  Iterator: z.object({ States: z.record(z.string(), z.unknown()) }).optional(),
  ItemProcessor: z.object({ States: z.record(z.string(), z.unknown()) }).optional(),
});

/** Walks Parallel branches and Map processors too: state names are unique machine-wide. */
function bindTasks(states: Record<string, unknown>, functions: Map<string, string>, tasks: Record<string, TaskBinding>): void {
  for (const [name, state] of Object.entries(states)) {
    const task = TaskState.safeParse(state);
    if (task.success) {
      const { Resource, Parameters } = task.data;
      const direct = functions.get(Resource);
      if (direct) tasks[name] = { functionLogicalId: direct, style: 'function-arn' };
      else if (Resource === 'arn:aws:states:::lambda:invoke' && Parameters?.FunctionName) {
        const viaIntegration = functions.get(Parameters.FunctionName);
        if (viaIntegration) tasks[name] = { functionLogicalId: viaIntegration, style: 'lambda-invoke' };
      }
      continue;
    }
    const nested = NestedStates.safeParse(state);
    if (!nested.success) continue;
    for (const branch of nested.data.Branches ?? []) bindTasks(branch.States, functions, tasks);
    for (const processor of [nested.data.Iterator, nested.data.ItemProcessor]) if (processor) bindTasks(processor.States, functions, tasks);
  }
}
