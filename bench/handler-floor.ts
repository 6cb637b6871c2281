import * as dynamodbCommands from '@aws-sdk/client-dynamodb';
import * as sesCommands from '@aws-sdk/client-ses';
import * as sfnCommands from '@aws-sdk/client-sfn';
import * as sqsCommands from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { LOCAL_CREDENTIALS, startEmulators } from '#infra/local/emulators.ts';
import { buildHttpApiEvent, matchRoute, toHttpResponse } from '#infra/local/http-api.ts';
import { localScope } from '#infra/local/intrinsics.ts';
import { toRecord } from '#infra/local/poller.ts';
import { provision } from '#infra/local/provision.ts';
import { writeSecrets } from '#infra/local/secrets.ts';
import { startStepFunctions } from '#infra/local/stepfunctions.ts';
import { synthesizeStack } from '#infra/local/synth.ts';
import { localValues, parseTemplate, resolveFunctions, resolveStateMachines, type LocalFunction } from '#infra/local/template.ts';
import { fromQueryForm, replay, type CapturedCall, type ReplayService } from './metering/replay.ts';
import { median } from './stats.ts';
import { benchRep as sharedBenchRep } from './bench-http.ts';

/**
 * Each handler's own time against its floor: the median warm invocation of ingest, route, the
 * actions function (accept page, accept, contacted), the SLA timer's steps (escalate) and the
 * effects relay, in this process as the integration tests drive them, against the time of the
 * SDK calls that invocation made, sent again by bare `@aws-sdk` clients to the same emulators.
 *
 * The calls are captured from the functions' own shared clients (shared/adapters/aws-clients.ts)
 * at the SDK's build step, with when each began and ended. The floor sends the same requests to
 * a second table provisioned from the same template, kept in the first's state: every write of
 * the run (fixtures and handlers alike) is sent to both, so each replayed call finds the items,
 * and passes or fails the conditions, its original did. Calls that overlapped in the handler
 * overlap in the replay. Handler and floor alternate call by call, one lead after another.
 */

export interface HandlerFloorOptions {
  readonly leads?: number;
  readonly warmUpLeads?: number;
  readonly log?: (line: string) => void;
}

export interface StepFloor {
  readonly step: string;
  readonly fn: string;
  readonly samples: number;
  readonly handlerMedianMs: number;
  readonly floorMedianMs: number;
  readonly ratio: number;
  /** Median SDK calls per invocation. */
  readonly calls: number;
  readonly operations: string;
  /** Replayed calls whose outcome (success or refusal) differed from the handler's: 0 when the mirror held. */
  readonly outcomeMismatches: number;
}

export interface HandlerFloorResult {
  readonly leads: number;
  readonly warmUpLeads: number;
  readonly steps: readonly StepFloor[];
  readonly byFunction: readonly { fn: string; handlerMedianMs: number; floorMedianMs: number; ratio: number; samples: number }[];
  readonly notes: readonly string[];
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

const PUBLIC_BASE_URL = 'https://leads.bench.example';

/** The demo's warm lead for the DACH team, as the landing page's form posts it. */
const leadForm = (tag: string) =>
  new URLSearchParams({ firstName: 'Floor', lastName: tag, email: `${tag.toLowerCase()}@floor.example.com`, product: 'solar', country: 'DE', postalCode: '20095', source: 'website' }).toString();

/** The benchmarks' Hamburg rep, with room for every lead of both tables. */
const benchRep = { ...sharedBenchRep, capacity: 10_000 };

/** What the floor needs of a bare client: send a command, and destroy. */
interface Sendable {
  send(command: never): Promise<unknown>;
  destroy(): void;
}
type CommandClass = new (input: never) => unknown;

function commandOf(service: ReplayService, operation: string): CommandClass {
  const modules: Record<ReplayService, Record<string, unknown>> = { dynamodb: dynamodbCommands, sqs: sqsCommands, ses: sesCommands, sfn: sfnCommands };
  const command = modules[service][`${operation}Command`];
  if (typeof command !== 'function') throw new Error(`no ${service} command ${operation}`);
  return command as CommandClass;
}

export async function measureHandlerFloor(options: HandlerFloorOptions = {}): Promise<HandlerFloorResult> {
  const leads = options.leads ?? 30;
  const warmUpLeads = options.warmUpLeads ?? 3;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const emulators = await startEmulators();
  const cleanups: (() => Promise<void> | void)[] = [() => emulators.stop()];
  try {
    const { endpoints } = emulators;
    const model = parseTemplate(await synthesizeStack());
    const handlerSide = await provision(model, endpoints, { suffix: '-floor-handler' });
    const floorSide = await provision(model, endpoints, { suffix: '-floor-bare' });
    const tableA = Object.values(handlerSide.tables)[0]!.name;
    const tableB = Object.values(floorSide.tables)[0]!.name;
    const baseScope = localScope({ region: model.region, stackName: model.stackName, resources: handlerSide.values });
    const secrets = writeSecrets(model.secrets, baseScope);
    cleanups.push(() => secrets.dispose());
    const scope = localScope({
      region: model.region,
      stackName: model.stackName,
      resources: localValues(model, { provisioned: handlerSide.values, apiUrl: PUBLIC_BASE_URL, secretRefs: secrets.refs }),
    });
    const functions = resolveFunctions(model, scope);
    // The timer's waits (minutes, unscaled) outlast the run: no task state fires.
    const sfnServer = await startStepFunctions({
      stateMachines: resolveStateMachines(model, scope),
      region: model.region,
      invoke: async (id) => {
        throw new Error(`${id} is not run by the handler-floor benchmark`);
      },
    });
    cleanups.push(() => sfnServer.stop());

    // As the integration tier's setup does, and each function's own variables over them: every
    // function of one stack gives its shared variables the same values.
    Object.assign(process.env, {
      AWS_REGION: model.region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      AWS_ENDPOINT_URL_SES: endpoints.ses,
      AWS_ENDPOINT_URL_SFN: sfnServer.endpoint,
      POWERTOOLS_LOG_LEVEL: 'WARN',
      LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    const fnBy = (prefix: string): LocalFunction => {
      const found = functions.find((fn) => fn.logicalId.startsWith(prefix));
      if (!found) throw new Error(`no ${prefix} in the stack`);
      return found;
    };
    const used = ['IngestFunction', 'RouteFunction', 'ActionsFunction', 'EscalateFunction', 'EffectsFunction'].map(fnBy);
    for (const fn of used) for (const [name, value] of Object.entries(fn.environment)) process.env[name] ??= value;

    // Loaded only now: the shared clients and the configuration read the environment at load.
    const clients = await import('#shared/adapters/aws-clients.ts');
    const { LeadStore, newLeadItems } = await import('#shared/adapters/lead-store.ts');
    const { Outbox, dueIndexKeys, effectKey } = await import('#shared/adapters/outbox.ts');
    const { AdminRepStore } = await import('#shared/adapters/admin-rep-store.ts');
    const { RepStore } = await import('#shared/adapters/rep-store.ts');
    const { createLead, parseLeadInput } = await import('#shared/domain/lead.ts');
    const { TransactWriteCommand, QueryCommand } = await import('@aws-sdk/lib-dynamodb');
    const { marshall } = await import('@aws-sdk/util-dynamodb');
    const { seedDemoData } = await import('#infra/local/seed.ts');

    const handlers = new Map<string, (event: unknown) => Promise<unknown>>();
    for (const fn of used) {
      const module = (await import(pathToFileURL(new URL(`../${fn.entry}`, import.meta.url).pathname).href)) as Record<string, unknown>;
      const handler = module[fn.handlerExport] as (event: unknown, context: object) => Promise<unknown>;
      handlers.set(fn.logicalId, (event) => handler(event, lambdaContext(fn)));
    }

    // Every call of the shared clients, while capturing.
    let captured: CapturedCall[] | undefined;
    const capture = (service: ReplayService, client: { middlewareStack: { add: (...args: never[]) => unknown } }) => {
      const middleware = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
        const list = captured;
        if (!list) return next(args);
        const request = (args as { request?: { body?: unknown; headers?: Record<string, string> } }).request;
        const raw = request?.body;
        const body = typeof raw === 'string' ? raw : raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : '';
        const target = request?.headers?.['x-amz-target'];
        const operation = target ? target.slice(target.lastIndexOf('.') + 1) : (new URLSearchParams(body).get('Action') ?? 'unknown');
        const startedAt = performance.now();
        const record = { service, operation, body, startedAt, endedAt: startedAt, ok: true };
        list.push(record);
        try {
          return await next(args);
        } catch (error) {
          record.ok = false;
          throw error;
        } finally {
          record.endedAt = performance.now();
        }
      };
      (client.middlewareStack.add as (m: unknown, o: unknown) => void)(middleware, { step: 'build', priority: 'low', name: `floorCapture-${service}` });
    };
    capture('dynamodb', clients.dynamoDocument);
    capture('sqs', clients.sqs);
    capture('ses', clients.ses);
    capture('sfn', clients.sfn);

    const bare: Record<ReplayService, Sendable> = {
      dynamodb: new dynamodbCommands.DynamoDBClient({ region: model.region, endpoint: endpoints.dynamodb, credentials: LOCAL_CREDENTIALS }) as unknown as Sendable,
      sqs: new sqsCommands.SQSClient({ region: model.region, endpoint: endpoints.sqs, credentials: LOCAL_CREDENTIALS }) as unknown as Sendable,
      ses: new sesCommands.SESClient({ region: model.region, endpoint: endpoints.ses, credentials: LOCAL_CREDENTIALS }) as unknown as Sendable,
      sfn: new sfnCommands.SFNClient({ region: model.region, endpoint: sfnServer.endpoint, credentials: LOCAL_CREDENTIALS }) as unknown as Sendable,
    };
    cleanups.push(() => Object.values(bare).forEach((client) => client.destroy()));

    /** The call's request for the floor's table: same items, other table; a timer of its own name. */
    const forFloor = (call: CapturedCall): unknown => {
      if (call.service === 'ses') return fromQueryForm(call.body);
      const input = JSON.parse(call.body.replaceAll(tableA, tableB)) as Record<string, unknown>;
      if (call.service === 'sfn' && call.operation === 'StartExecution' && typeof input.name === 'string') input.name = `${input.name}-f`;
      // A transaction's token is the account's, not the table's: the same one with other items is refused.
      if (call.service === 'dynamodb' && typeof input.ClientRequestToken === 'string') input.ClientRequestToken = `${input.ClientRequestToken.slice(0, 30)}-floor`;
      return input;
    };
    const sendBare = async (call: CapturedCall) => {
      const Command = commandOf(call.service, call.operation);
      await bare[call.service].send(new Command(forFloor(call) as never) as never);
    };

    /** Runs fixture code with its calls captured, then sends its writes to the floor's table, untimed. */
    const both = async <T>(work: () => Promise<T>): Promise<T> => {
      captured = [];
      try {
        const result = await work();
        const calls = captured;
        captured = undefined;
        await replay(calls.filter((call) => call.service === 'dynamodb'), sendBare);
        return result;
      } finally {
        captured = undefined;
      }
    };

    // Demo reps in both tables, and one more Hamburg rep with room for every lead of the run.
    for (const tableName of [tableA, tableB]) await seedDemoData({ tableName, endpoint: endpoints.dynamodb, region: model.region });
    await both(() => new AdminRepStore(tableA).add(benchRep));

    const samples = new Map<string, { fn: string; handler: number[]; floor: number[]; calls: number[]; operations: Set<string>; mismatches: number }>();
    let measuring = false;
    /** The SDK calls of the last invocation measured: what it sent is the next step's input. */
    let lastCalls: CapturedCall[] = [];
    /** One invocation, then the floor: the same calls by bare clients. */
    const measure = async (step: string, fn: LocalFunction, event: unknown): Promise<unknown> => {
      const handler = handlers.get(fn.logicalId)!;
      const calls: CapturedCall[] = [];
      captured = calls;
      const started = performance.now();
      let result: unknown;
      try {
        result = await handler(event);
      } finally {
        captured = undefined;
      }
      const handlerMs = performance.now() - started;
      lastCalls = calls;
      const floorStarted = performance.now();
      const outcomes = await replay(calls, sendBare);
      const floorMs = performance.now() - floorStarted;
      if (measuring) {
        const entry = samples.get(step) ?? samples.set(step, { fn: fn.logicalId.replace(/[0-9A-F]{8}$/, ''), handler: [], floor: [], calls: [], operations: new Set(), mismatches: 0 }).get(step)!;
        entry.handler.push(handlerMs);
        entry.floor.push(floorMs);
        entry.calls.push(calls.length);
        for (const call of calls) entry.operations.add(`${call.service}:${call.operation}`);
        const mismatched = outcomes.flatMap((outcome, i) => ((outcome.status === 'fulfilled') !== calls[i]!.ok ? [{ outcome, call: calls[i]! }] : []));
        entry.mismatches += mismatched.length;
        // The mirror should hold: a replayed call that passes where its original was refused (or the reverse) is worth a look.
        for (const m of mismatched) log(`${step}: ${m.call.service}:${m.call.operation} ok=${m.call.ok} replay=${m.outcome.status === 'rejected' ? String((m.outcome.reason as Error).name) + ' ' + String((m.outcome.reason as Error).message) : 'ok'} ${m.call.body.slice(0, 300)}`);
      }
      return result;
    };

    const routes = model.routes;
    let requestSeq = 0;
    const http = async (step: string, method: string, url: string, body = '', contentType?: string) => {
      const target = new URL(url);
      const match = matchRoute(routes, method, target.pathname);
      if (!match) throw new Error(`no route for ${method} ${target.pathname}`);
      requestSeq += 1;
      const event = buildHttpApiEvent({
        method,
        url: `${target.pathname}${target.search}`,
        headers: { host: [target.host], 'user-agent': ['Mozilla/5.0 (bench)'], ...(contentType ? { 'content-type': [contentType] } : {}) },
        body: Buffer.from(body),
        // A new visitor for each lead, as on a busy landing page: the per-address limit is not what is measured.
        sourceIp: `198.51.${Math.floor(requestSeq / 250) % 250}.${requestSeq % 250}`,
        protocol: 'HTTP/1.1',
        localPort: 443,
        match,
        now: new Date(),
        requestId: randomUUID(),
        accountId: scope.accountId,
        apiId: 'bench',
      });
      const fn = functions.find((f) => f.logicalId === match.route.functionLogicalId)!;
      const response = toHttpResponse(await measure(step, fn, event));
      return { status: response.statusCode, text: response.body.toString('utf8') };
    };

    const routingQueue = Object.entries(handlerSide.queues).find(([id]) => id.startsWith('RoutingQueue'))![1];
    const ingest = fnBy('IngestFunction');
    const route = fnBy('RouteFunction');
    const escalate = fnBy('EscalateFunction');
    const effects = fnBy('EffectsFunction');
    const outbox = new Outbox(tableA, { performers: {}, retryBudgetMs: 120_000 });
    const leadStore = new LeadStore(tableA, { outbox });
    const repStore = new RepStore(tableA);

    const oneLead = async (tag: string) => {
      // The webhook post: the lead stored with its effects, the routing message sent at once.
      const posted = await http('ingest POST /leads', 'POST', `${PUBLIC_BASE_URL}/leads`, leadForm(tag), 'application/x-www-form-urlencoded');
      if (posted.status !== 202 && posted.status !== 303) throw new Error(`ingest answered ${posted.status}: ${posted.text.slice(0, 200)}`);
      // What ingest sent to the routing queue is the message the router's poller would hand it.
      const sent = [...lastCalls].reverse().find((call) => call.service === 'sqs' && call.operation === 'SendMessage');
      const routingMessage = sent ? (JSON.parse(sent.body) as { MessageBody: string }).MessageBody : undefined;
      if (!routingMessage) throw new Error('ingest sent no routing message');
      const message = { MessageId: randomUUID(), ReceiptHandle: randomUUID(), Body: routingMessage, Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) } };
      await measure('route (SQS batch of 1)', route, { Records: [toRecord(message, routingQueue.arn, model.region)] });
      const email = [...lastCalls].reverse().find((call) => call.service === 'ses');
      const timer = [...lastCalls].reverse().find((call) => call.service === 'sfn' && call.operation === 'StartExecution');
      if (!email || !timer) throw new Error('the router sent no offer email or started no timer');
      const html = String((fromQueryForm(email.body) as { Message?: { Body?: { Html?: { Data?: string } } } }).Message?.Body?.Html?.Data ?? '');
      const acceptUrl = /href="([^"]+)"[^>]*>Accept lead</.exec(html)?.[1]?.replaceAll('&amp;', '&');
      if (!acceptUrl) throw new Error('no accept link in the offer email');
      const page = await http('actions GET accept page', 'GET', acceptUrl);
      if (page.status !== 200) throw new Error(`the accept page answered ${page.status}`);
      const accepted = await http('actions POST accept', 'POST', acceptUrl, '', 'application/x-www-form-urlencoded');
      const contactedAction = /<form method="post" action="([^"]+)"/.exec(accepted.text)?.[1]?.replaceAll('&amp;', '&');
      if (!contactedAction) throw new Error(`accepting answered ${accepted.status}`);
      const contacted = await http('actions POST contacted', 'POST', new URL(contactedAction, acceptUrl).href, '', 'application/x-www-form-urlencoded');
      if (!contacted.text.includes('Marked as contacted')) throw new Error(`marking contacted answered ${contacted.status}`);
      // The timer's three steps, as its task states send them, now that the rep has acted.
      const input = JSON.parse((JSON.parse(timer.body) as { input: string }).input) as Record<string, unknown>;
      for (const step of ['accept-window', 'reminder', 'contact-deadline'] as const) await measure(`escalate ${step}`, escalate, { step, ...input });

      // The relay's own work: a lead offered with its email and timer recorded, not performed.
      await effectsFor(tag);
    };

    const effectsFor = async (tag: string) => {
      const now = new Date();
      const leadId = await both(async () => {
        const expiresAt = Math.floor(now.getTime() / 1000) + 86_400;
        const lead = { ...createLead(parseLeadInput({ firstName: 'Relay', lastName: tag, email: `relay.${tag.toLowerCase()}@floor.example.com`, product: 'solar', country: 'DE', postalCode: '20095' }), 'dach-sales', { now, contactWithinMs: 30 * 60_000 }), expiresAt };
        const due = dueIndexKeys({ leadId: lead.id }, new Date(now.getTime() + 60_000).toISOString());
        await clients.dynamoDocument.send(new TransactWriteCommand({ TransactItems: newLeadItems(tableA, { ...lead, ...due }, expiresAt) }));
        const stored = (await leadStore.get(lead.id))!;
        const rep = await repStore.get(benchRep.id);
        const dayKey = now.toISOString().slice(0, 10);
        await leadStore.commit('offer', {
          lead: stored,
          at: now,
          actor: 'router',
          detail: { strategy: 'bench', repId: benchRep.id },
          rep: { id: benchRep.id, counters: { dayKey, weekKey: 'bench-week', sameDay: rep?.dayKey === dayKey, sameWeek: rep?.weekKey === 'bench-week' } },
          set: { tier: 'warm', score: 40, acceptDeadline: new Date(now.getTime() + 15 * 60_000).toISOString() },
          effects: [
            { purpose: 'offer-email', action: { kind: 'email', email: { to: benchRep.email, subject: `New warm lead: Relay ${tag} (solar)`, html: '<p>A lead for you</p>', text: 'A lead for you' } } },
            {
              purpose: 'sla-timer',
              action: { kind: 'timer', input: { leadId: lead.id, attempt: stored.attempt + 1, acceptDeadline: new Date(now.getTime() + 15 * 60_000).toISOString(), reminderAt: stored.contactDeadline, contactDeadline: stored.contactDeadline } },
            },
          ],
        });
        return lead.id;
      });
      // The effect records as the table's stream hands them to the relay (their INSERT images).
      const { pk } = effectKey({ leadId }, '');
      const { Items = [] } = await clients.dynamoDocument.send(
        new QueryCommand({ TableName: tableA, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :effect)', ExpressionAttributeValues: { ':pk': pk, ':effect': 'EFFECT#' }, ConsistentRead: true }),
      );
      const pending = Items.filter((item) => item.status === 'pending');
      if (pending.length === 0) throw new Error('the offer recorded no pending effects');
      const event = {
        Records: pending.map((item, i) => ({
          eventID: `${pk}-${i}`,
          eventName: 'INSERT',
          eventVersion: '1.1',
          eventSource: 'aws:dynamodb',
          awsRegion: model.region,
          eventSourceARN: `arn:aws:dynamodb:${model.region}:${scope.accountId}:table/${tableA}/stream/local`,
          dynamodb: {
            Keys: marshall({ pk: item.pk, sk: item.sk }),
            NewImage: marshall(item, { removeUndefinedValues: true }),
            SequenceNumber: String(1000 + i),
            SizeBytes: 100,
            StreamViewType: 'NEW_AND_OLD_IMAGES',
          },
        })),
      };
      await measure(`effects (${pending.length} records)`, effects, event);
    };

    for (let i = 0; i < warmUpLeads + leads; i++) {
      measuring = i >= warmUpLeads;
      await oneLead(`${measuring ? 'M' : 'W'}${i}`);
      if ((i + 1) % 10 === 0) log(`handler-floor: ${i + 1} of ${warmUpLeads + leads} leads`);
    }

    const steps: StepFloor[] = [...samples].map(([step, s]) => ({
      step,
      fn: s.fn,
      samples: s.handler.length,
      handlerMedianMs: round(median(s.handler)),
      floorMedianMs: round(median(s.floor)),
      ratio: round(median(s.handler) / median(s.floor)),
      calls: median(s.calls),
      operations: [...s.operations].join(', '),
      outcomeMismatches: s.mismatches,
    }));
    const fnNames = [...new Set(steps.map((s) => s.fn))];
    const byFunction = fnNames.map((fn) => {
      const all = [...samples.values()].filter((s) => s.fn === fn);
      const handler = all.flatMap((s) => s.handler);
      const floor = all.flatMap((s) => s.floor);
      return { fn, handlerMedianMs: round(median(handler)), floorMedianMs: round(median(floor)), ratio: round(median(handler) / median(floor)), samples: handler.length };
    });
    return {
      leads,
      warmUpLeads,
      steps,
      byFunction,
      notes: [
        'handler: the exported handler awaited in this process (middy, parsing, domain code, its SDK calls); floor: the same requests by bare clients, overlapping as they did',
        'both against the same DynamoDB Local, fauxqs, aws-ses-v2-local and local Step Functions endpoint, one after the other for each invocation',
        "the floor's timer starts use a name of their own (an execution per name); its DynamoDB requests go to a second table kept in the first's state",
      ],
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve().then(cleanup).catch(() => undefined);
  }
}

function lambdaContext(fn: LocalFunction) {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.memorySize),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
