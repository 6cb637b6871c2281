import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, inject, onTestFinished } from 'vitest';
import { localScope } from '#infra/local/intrinsics.ts';
import { provision } from '#infra/local/provision.ts';
import { writeSecrets } from '#infra/local/secrets.ts';
import { startStepFunctions } from '#infra/local/stepfunctions.ts';
import { synthesizeStack } from '#infra/local/synth.ts';
import { localValues, parseTemplate, resolveFunctions, resolveStateMachines } from '#infra/local/template.ts';
import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { dynamoDocument, ses, sqs } from '#shared/adapters/aws-clients.ts';
import { LeadStore, newLeadItems, type Committed, type LeadEvent, type Placement } from '#shared/adapters/lead-store.ts';
import { dueIndexKeys, effectKey, Outbox, type EffectOwner } from '#shared/adapters/outbox.ts';
import { AdminRepStore } from '#shared/adapters/admin-rep-store.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { decodeConfigVariable, RoutingSettingsSchema } from '#shared/config/stack-config.ts';
import { createLead, parseLeadInput, type Lead } from '#shared/domain/lead.ts';

const eventsDir = new URL('../../events/', import.meta.url);

/**
 * The integration suite's own stack: teams t01…t20, each reached by a rule on the form field
 * `routeTo`, so every test routes into a team of its own; "inbox" takes everything else.
 */
const testStackConfig = fileURLToPath(new URL('./stack.json', import.meta.url));
const testTeams = Array.from({ length: 40 }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
let teamsTaken = 0;
/** Teams of test/integration/stack.json with their own SLA policies. */
export type SpecialTeam = 'reassigning' | 'queue-only' | 'office-hours';
const specialTeamsTaken = new Set<SpecialTeam>();

/** A sample event from `events/`, the same files `npm run invoke` replays. */
export function loadEvent<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, eventsDir), 'utf8')) as T;
}

/** The logical-id prefix of each function in the stack. */
const functionIds = {
  ingest: 'IngestFunction',
  route: 'RouteFunction',
  actions: 'ActionsFunction',
  escalate: 'EscalateFunction',
  portal: 'PortalFunction',
  admin: 'AdminFunction',
  'admin-imports': 'AdminImportsFunction',
  'admin-simulate': 'AdminSimulateFunction',
  sweeper: 'SweeperFunction',
  effects: 'EffectsFunction',
  leadgen: 'LeadgenFunction',
} as const;
type FunctionName = keyof typeof functionIds;

export interface SentEmail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly links: readonly string[];
}

export interface TestTeam {
  readonly id: string;
  readonly reps: readonly { id: string; email: string; capacity: number }[];
}

export interface LocalStackForTests {
  readonly leads: LeadStore;
  readonly reps: AdminRepStore;
  readonly signingKey: string;
  readonly sessionKey: string;
  readonly adminKey: string;
  /** The stack's SourceSigningKey, from which signed and token sources derive their secrets. */
  readonly sourceSigningKey: string;
  readonly publicBaseUrl: string;
  managerEmail(teamId: string): string;
  /** The function under test, loaded from its template entry, invoked with a Lambda context. */
  handler<E, R>(): Promise<(event: E) => Promise<R>>;
  history(leadId: string): Promise<LeadEvent[]>;
  /** Items in the table, leaving out per-client rate-limit windows (counters, not lead data). */
  countItems(): Promise<number>;
  drainRoutingQueue(): Promise<unknown[]>;
  /** This file's queue of a logical-id prefix (`PlatformFetchQueue`, `PlatformFetchDlq`...), with its ARN. */
  queue(prefix: string): { url: string; arn: string };
  /**
   * Reps for the next plain test team, or for one of the stack's teams with a policy of its own
   * (`reassigning`, `queue-only`, `office-hours`: once per file).
   */
  addTeam(reps: readonly { capacity: number; dailyCap?: number; role?: 'rep' | 'manager' }[], teamId?: SpecialTeam): Promise<TestTeam>;
  /** Stores a lead as the webhook would (its rules send it to `teamId`), without queuing it, so a test routes it by hand. */
  receiveLead(fields: Record<string, unknown>, teamId: string): Promise<string>;
  /** Offers the lead to the rep; `withFollowUps` records its offer email and timer too (not performed: no relay runs here). */
  offerTo(leadId: string, repId: string, options?: { withFollowUps?: boolean }): Promise<Lead>;
  /** The effect records of a lead (by its id) or a rep as the table's stream delivers them to the effects relay (their INSERT images). */
  effectStream(owner: string | EffectOwner): Promise<DynamoDBStreamEvent>;
  /**
   * The effects relay's handler (functions/effects), loaded with its own variables beside those
   * of the function under test (the same stack gives both the same values), like a cold start.
   */
  relay(): Promise<(event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>>;
  /**
   * Another function's handler, loaded the same way (its variables beside those of the function
   * under test): a file about one API whose routes several functions answer (the admin API's).
   */
  sibling<E, R>(fn: FunctionName): Promise<(event: E) => Promise<R>>;
  /** A rep's own step on their lead (accept, contacted, pass, close), committed as the links do. */
  repDoes(transition: 'accept' | 'contacted' | 'pass' | 'close', leadId: string, repId: string, attempt?: number): Promise<Committed>;
  /** Puts a stored lead in its team's queue, as the router does when nobody can take it. */
  queueLead(leadId: string, placement: Omit<Placement, 'detail'>): Promise<Lead>;
  emailsTo(address: string): Promise<SentEmail[]>;
  executions(): Promise<{ name: string; status: string; input: unknown }[]>;
}

/**
 * Provisions this test file's own table and queues on the shared emulators, from the
 * synthesized stack, and sets `process.env` to what the template gives the function under test
 * (resolved to the local resources). Import the handler after this, so it reads that
 * environment at load, exactly like a cold start.
 */
export async function useLocalStack(fn: FunctionName): Promise<LocalStackForTests> {
  const endpoints = inject('emulatorEndpoints');
  const suffix = `-${fn}-${randomUUID().slice(0, 8)}`;
  const model = parseTemplate(await synthesizeStack(testStackConfig));
  const provisioned = await provision(model, endpoints, { suffix });
  const baseScope = localScope({ region: model.region, stackName: model.stackName, resources: provisioned.values });
  const secrets = writeSecrets(model.secrets, baseScope);
  const publicBaseUrl = 'https://leads.test.example';
  const scope = localScope({
    region: model.region,
    stackName: model.stackName,
    resources: localValues(model, { provisioned: provisioned.values, apiUrl: publicBaseUrl, secretRefs: secrets.refs }),
  });
  const functions = resolveFunctions(model, scope);
  const underTest = functions.find((f) => f.logicalId.startsWith(functionIds[fn]));
  if (!underTest) throw new Error(`No ${functionIds[fn]} in the stack`);

  // The real state machine runs; its deadline waits outlast these tests, so tasks never fire here.
  const sfnServer = await startStepFunctions({
    stateMachines: resolveStateMachines(model, scope),
    region: model.region,
    port: 0,
    invoke: async (id) => {
      throw new Error(`${id} is not bound in the ${fn} integration tests`);
    },
  });
  Object.assign(process.env, underTest.environment, { AWS_ENDPOINT_URL_SFN: sfnServer.endpoint });
  afterAll(async () => {
    await sfnServer.stop();
    secrets.dispose();
  });

  const tableName = Object.values(provisioned.tables)[0]!.name;
  const routingQueue = Object.entries(provisioned.queues).find(([id]) => id.startsWith('RoutingQueue'))![1];
  const clientConfig = { region: model.region };
  const dynamodb = new DynamoDBClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  const sfn = new SFNClient({ ...clientConfig, endpoint: sfnServer.endpoint });
  // Follow-ups of the steps tests take by hand are recorded, not performed: no relay runs here.
  const recordOnly = new Outbox(tableName, { performers: {}, retryBudgetMs: 120_000 });
  const leads = new LeadStore(tableName, { outbox: recordOnly });
  const reps = new AdminRepStore(tableName, { outbox: recordOnly });
  const secretRef = (prefix: string) => Object.entries(secrets.refs).find(([id]) => id.startsWith(prefix))![1];
  const signingKey = await loadSecret(secretRef('LinkSigningKey'));
  const adminKey = await loadSecret(secretRef('AdminApiKey'));
  const sessionKey = await loadSecret(secretRef('SessionKey'));
  const sourceSigningKey = await loadSecret(secretRef('SourceSigningKey'));
  // The effects relay carries no routing settings; every other function carries the same ones.
  const encodedSettings = underTest.environment.STACK_CONFIG ?? functions.find((f) => f.environment.STACK_CONFIG)!.environment.STACK_CONFIG!;
  const settings = RoutingSettingsSchema.parse(decodeConfigVariable(encodedSettings));
  const stateMachineArn = resolveStateMachines(model, scope)[0]!.arn;

  return {
    leads,
    reps,
    signingKey,
    sessionKey,
    adminKey,
    sourceSigningKey,
    publicBaseUrl,
    managerEmail: (teamId) => settings.routing.teams.find((team) => team.id === teamId)!.managerEmail,
    async handler<E, R>() {
      const module = (await import(new URL(`../../${underTest.entry}`, import.meta.url).href)) as {
        handler: (event: E, context: Context) => Promise<R>;
      };
      return (event: E) => module.handler(event, lambdaContext(underTest.logicalId));
    },
    history: (leadId) => leads.history(leadId),
    async countItems() {
      let count = 0;
      const pages = paginateScan(
        { client: dynamodb },
        { TableName: tableName, Select: 'COUNT', FilterExpression: 'NOT begins_with(pk, :rate)', ExpressionAttributeValues: { ':rate': { S: 'RATE#' } } },
      );
      for await (const page of pages) count += page.Count ?? 0;
      return count;
    },
    async drainRoutingQueue() {
      const bodies: unknown[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: routingQueue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (Messages.length === 0) return bodies;
        for (const message of Messages) bodies.push(JSON.parse(message.Body ?? 'null'));
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: routingQueue.url,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
    },
    queue(prefix) {
      const found = Object.entries(provisioned.queues).find(([id]) => id.startsWith(prefix));
      if (!found) throw new Error(`no queue ${prefix} in the stack`);
      return { url: found[1].url, arn: found[1].arn };
    },
    async addTeam(specs, special) {
      if (special && specialTeamsTaken.has(special)) throw new Error(`team ${special} already has its reps in this file`);
      if (special) specialTeamsTaken.add(special);
      const id = special ?? testTeams[teamsTaken++];
      if (!id) throw new Error('every test team is taken; add teams to test/integration/stack.json');
      // The inbox is shared by every test file; the file's suffix keeps addresses apart.
      const members = specs.map((spec, i) => ({ ...spec, id: `${id}-rep${i}`, email: `rep${i}.${id}${suffix}@example.com` }));
      for (const rep of members) await reps.add({ ...rep, name: `Rep ${rep.id}`, teamId: id });
      return { id, reps: members };
    },
    async receiveLead(fields, teamId) {
      const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
      const now = new Date();
      const lead = { ...createLead(parseLeadInput({ ...fields, routeTo: teamId }), teamId, { now, contactWithinMs: 30 * 60_000 }), expiresAt };
      // Due for the sweeper a minute from now, as the webhook stores it.
      const due = dueIndexKeys({ leadId: lead.id }, new Date(now.getTime() + 60_000).toISOString());
      await dynamoDocument.send(new TransactWriteCommand({ TransactItems: newLeadItems(tableName, { ...lead, ...due }, expiresAt) }));
      return lead.id;
    },
    async offerTo(leadId, repId, options = {}) {
      const lead = await leads.get(leadId);
      if (!lead) throw new Error(`no lead ${leadId}`);
      const rep = await reps.get(repId);
      const now = new Date();
      const dayKey = now.toISOString().slice(0, 10);
      // A fixed week key is enough here: these reps take at most a handful of leads and have no caps.
      const { lead: offered } = await leads.commit('offer', {
        lead,
        at: now,
        actor: 'router',
        detail: { strategy: 'test', repId },
        rep: { id: repId, counters: { dayKey, weekKey: 'test-week', sameDay: rep?.dayKey === dayKey, sameWeek: rep?.weekKey === 'test-week' } },
        set: { tier: 'warm', score: 0, acceptDeadline: new Date(now.getTime() + 5 * 60_000).toISOString() },
        ...(options.withFollowUps
          ? {
              effects: [
                { purpose: 'offer-email', action: { kind: 'email', email: { to: rep!.email, subject: `New warm lead: ${leadId}`, html: '<p>Yours</p>', text: 'Yours' } } },
                {
                  purpose: 'sla-timer',
                  action: {
                    kind: 'timer',
                    input: { leadId, attempt: lead.attempt + 1, acceptDeadline: new Date(now.getTime() + 3_600_000).toISOString(), reminderAt: lead.contactDeadline, contactDeadline: lead.contactDeadline },
                  },
                },
              ],
            }
          : {}),
      });
      return offered;
    },
    async effectStream(owner) {
      const { pk } = effectKey(typeof owner === 'string' ? { leadId: owner } : owner, '');
      const { Items = [] } = await dynamoDocument.send(
        new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :effect)', ExpressionAttributeValues: { ':pk': pk, ':effect': 'EFFECT#' }, ConsistentRead: true }),
      );
      return {
        Records: Items.map((item, i) => ({
          eventID: `${pk}-${i}`,
          eventName: 'INSERT' as const,
          eventVersion: '1.1',
          eventSource: 'aws:dynamodb',
          awsRegion: model.region,
          eventSourceARN: `arn:aws:dynamodb:${model.region}:000000000000:table/${tableName}/stream/local`,
          dynamodb: {
            Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
            NewImage: marshall(item, { removeUndefinedValues: true }) as never,
            SequenceNumber: String(1000 + i),
            SizeBytes: 100,
            StreamViewType: 'NEW_IMAGE' as const,
          },
        })),
      };
    },
    async relay() {
      const effects = functions.find((f) => f.logicalId.startsWith(functionIds.effects))!;
      for (const [name, value] of Object.entries(effects.environment)) process.env[name] ??= value;
      const module = await import('#functions/effects/handler.ts');
      return (event) => module.handler(event, lambdaContext(effects.logicalId));
    },
    async sibling<E, R>(fn: FunctionName) {
      const other = functions.find((f) => f.logicalId.startsWith(functionIds[fn]))!;
      for (const [name, value] of Object.entries(other.environment)) process.env[name] ??= value;
      const module = (await import(new URL(`../../${other.entry}`, import.meta.url).href)) as {
        handler: (event: E, context: Context) => Promise<R>;
      };
      return (event: E) => module.handler(event, lambdaContext(other.logicalId));
    },
    async repDoes(transition, leadId, repId, attempt) {
      const lead = await leads.get(leadId);
      if (!lead) throw new Error(`no lead ${leadId}`);
      const at = new Date();
      const read = { ...lead, attempt: attempt ?? lead.attempt };
      const common = { lead: read, at, actor: `rep:${repId}`, rep: { id: repId } };
      if (transition === 'close') return leads.commit('close', { ...common, set: { outcome: 'won' }, detail: { outcome: 'won' } });
      if (transition === 'pass') return leads.commit('pass', { ...common, detail: { attempt: read.attempt, reason: 'not for me' } });
      return leads.commit(transition, common);
    },
    async queueLead(leadId, placement) {
      const lead = await leads.get(leadId);
      if (!lead) throw new Error(`no lead ${leadId}`);
      const { lead: queued } = await leads.commit('queue', {
        lead,
        at: new Date(),
        actor: 'router',
        set: { tier: placement.tier, score: placement.score, teamId: placement.teamId, contactDeadline: placement.contactDeadline },
      });
      return queued;
    },
    async emailsTo(address) {
      const response = await fetch(`${endpoints.ses}/store`);
      const { emails } = (await response.json()) as { emails: StoredEmail[] };
      return emails
        .filter((email) => email.destination.to.includes(address))
        .map((email) => ({
          to: email.destination.to,
          subject: email.subject,
          html: email.body.html ?? '',
          text: email.body.text ?? '',
          links: [...(email.body.html ?? '').matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&')),
        }));
    },
    async executions() {
      const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
      return Promise.all(
        executions.map(async (execution) => {
          const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn! }));
          return { name: execution.name!, status: execution.status!, input: JSON.parse(described.input ?? 'null') };
        }),
      );
    },
  };
}

interface StoredEmail {
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

export interface Refusal {
  /** How many calls it refused so far (at most one). */
  readonly refused: number;
}

/**
 * Refuses the next message sent to a queue (`sqs`: its body is `match`, as JSON) or email sent
 * (`ses`: the request mentions `match`), once, in the client the adapters share: the call fails
 * as a service error reaching its caller, the real client and emulator stay in the loop (nothing
 * mocked), and every later call goes through. Taken out again when the test finishes.
 */
export function refuseOnce(service: 'sqs' | 'ses', match: string | Record<string, unknown>): Refusal {
  const name = `refuse-${randomUUID().slice(0, 8)}`;
  const command = service === 'sqs' ? 'SendMessageCommand' : 'SendEmailCommand';
  const state = { refused: 0 };
  const matches = (input: unknown) =>
    typeof match === 'string' ? JSON.stringify(input).includes(match) : (input as { MessageBody?: string }).MessageBody === JSON.stringify(match);
  const picks = (commandName: string | undefined, input: unknown) => state.refused === 0 && commandName === command && matches(input);
  const refusal = () => {
    state.refused += 1;
    return Object.assign(new Error(`injected: ${command} refused`), { name: 'ServiceUnavailable', $fault: 'server' });
  };
  // In the initialize step, before the SDK's retries: the caller sees the failure once.
  const options = { step: 'initialize', name } as const;
  if (service === 'sqs') {
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (picks(context.commandName, args.input)) throw refusal();
        return next(args);
      },
      options,
    );
  } else {
    ses.middlewareStack.add(
      (next, context) => async (args) => {
        if (picks(context.commandName, args.input)) throw refusal();
        return next(args);
      },
      options,
    );
  }
  onTestFinished(() => void (service === 'sqs' ? sqs : ses).middlewareStack.remove(name));
  return state;
}

/** Routing messages in a fixed order: follow-ups of one transition are sent in parallel, in any order. */
export function sortMessages(messages: readonly unknown[]): unknown[] {
  return [...messages].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** A Lambda context for a handler invoked in-process, with time to spare. */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
