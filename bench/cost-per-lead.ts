import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { LOCAL_CREDENTIALS, startEmulators } from '#infra/local/emulators.ts';
import { startLocalStack, type LocalStack } from '#infra/local/start.ts';
import { parseTemplate, resolveFunctions, resolveStateMachines } from '#infra/local/template.ts';
import { benchLeadBody as leadBody, benchOfferSubject as offerSubject, benchRep, sendFrom, type Answer } from './bench-http.ts';
import { prices, type Price, type PriceName } from './cost-prices.ts';
import { clientAddress } from './stack-runner.ts';
import { median } from './stats.ts';
import { startMeteringProxy, type MeteredCall, type MeteringProxy } from './metering/metering-proxy.ts';

/**
 * What one lead costs on the happy path: posted, routed, offered by email, accepted and marked
 * contacted by the rep, its SLA timer started and run to its end. The whole local stack runs with
 * a metering proxy in front of each emulator for the functions (functionEndpoint) and another for
 * the runtime's own pollers (its shared emulators), and is told of every invocation
 * (onInvocation); the counts of a window of leads, divided by the leads, are priced at list
 * prices. Leads go one after another, each through its four HTTP requests as a rep clicks them.
 *
 * TIME_SCALE (60 by default) only shortens the waits, so each lead's timer runs all its steps
 * within the run; the sweeper's schedule shrinks with it, so its cost is reported per invocation
 * and per month at its real rate (once a minute), apart from the leads'.
 */

export interface CostPerLeadOptions {
  readonly leads?: number;
  /** Leads before the window: roster and configuration caches filled, code paths warm. */
  readonly warmUpLeads?: number;
  readonly timeScale?: number;
  readonly log?: (line: string) => void;
}

type Service = 'dynamodb' | 'sqs' | 'ses' | 'sfn';

interface Invocation {
  readonly functionLogicalId: string;
  readonly ms: number;
  readonly failed: boolean;
}

/** A function's logical id without CDK's hash (`RouteFunction4D392DAD` → `RouteFunction`). */
const constructName = (logicalId: string) => logicalId.replace(/[0-9A-F]{8}$/, '');

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const sum = (values: readonly number[]) => values.reduce((total, v) => total + v, 0);




interface StoredEmail {
  readonly subject: string;
  readonly body: { readonly html?: string };
}

/**
 * The offer emails as the SES emulator takes them: it runs in this process, so its store's
 * saveEmail is wrapped instead of reading the whole inbox (every body) over HTTP for each lead.
 */
function watchEmails() {
  const store = createRequire(import.meta.url)('aws-ses-v2-local/dist/store.js') as { saveEmail: (email: StoredEmail) => void };
  const waiting = new Map<string, (email: StoredEmail) => void>();
  const saveEmail = store.saveEmail;
  store.saveEmail = (email) => {
    saveEmail(email);
    waiting.get(email.subject)?.(email);
  };
  return {
    next(subject: string, timeoutMs: number): Promise<StoredEmail> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(subject);
          reject(new Error(`no email "${subject}" within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(subject, (email) => {
          clearTimeout(timer);
          waiting.delete(subject);
          resolve(email);
        });
      });
    },
    restore: () => void (store.saveEmail = saveEmail),
  };
}

function link(html: string, label: string): string {
  const match = new RegExp(`href="([^"]+)"[^>]*>${label}<`).exec(html);
  if (!match) throw new Error(`no "${label}" link in the offer email`);
  return match[1]!.replaceAll('&amp;', '&');
}

const LeadAccepted = z.object({ leadId: z.string() });
const form = { type: 'application/x-www-form-urlencoded', text: '' };

/** A lead through its happy path: the webhook post, the offer email, the rep's three clicks. Returns its id. */
async function happyPath(stack: LocalStack, emails: ReturnType<typeof watchEmails>, tag: string, address: string): Promise<string> {
  const offer = emails.next(offerSubject(tag), 60_000);
  offer.catch(() => undefined);
  const posted = await sendFrom(address, 'POST', `${stack.apiUrl}/leads`, { type: 'application/json', text: JSON.stringify(leadBody(tag)) });
  if (posted.status !== 202) throw new Error(`POST /leads answered ${posted.status}: ${posted.text.slice(0, 200)}`);
  const { leadId } = LeadAccepted.parse(JSON.parse(posted.text));
  const acceptUrl = link((await offer).body.html ?? '', 'Accept lead');
  const opened = await sendFrom(address, 'GET', acceptUrl);
  if (opened.status !== 200) throw new Error(`the accept page answered ${opened.status}`);
  const accepted = await sendFrom(address, 'POST', acceptUrl, form);
  const contactedAction = /<form method="post" action="([^"]+)"/.exec(accepted.text)?.[1];
  if (accepted.status !== 200 || !contactedAction) throw new Error(`accepting answered ${accepted.status}: ${accepted.text.slice(0, 200)}`);
  const contacted = await sendFrom(address, 'POST', new URL(contactedAction.replaceAll('&amp;', '&'), acceptUrl).href, form);
  if (contacted.status !== 200 || !contacted.text.includes('Marked as contacted')) throw new Error(`marking contacted answered ${contacted.status}`);
  return leadId;
}

/** Waits until no SLA timer execution runs any more; returns the status counts of all executions. */
async function timersDone(stack: LocalStack, timeoutMs: number): Promise<Record<string, number>> {
  const sfn = new SFNClient({ endpoint: stack.endpoints.sfn, region: stack.region, credentials: LOCAL_CREDENTIALS });
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      const statuses: Record<string, number> = {};
      for (const stateMachineArn of stack.stateMachineArns) {
        let nextToken: string | undefined;
        do {
          const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken }));
          for (const execution of page.executions ?? []) statuses[execution.status ?? ''] = (statuses[execution.status ?? ''] ?? 0) + 1;
          nextToken = page.nextToken;
        } while (nextToken);
      }
      if (!statuses.RUNNING || Date.now() > until) return statuses;
      await sleep(500);
    }
  } finally {
    sfn.destroy();
  }
}

/** The states an execution enters when every task succeeds: from StartAt along Next to the end. */
export function mainPath(definition: { StartAt: string; States: Record<string, unknown> }): string[] {
  const path: string[] = [];
  const State = z.looseObject({ Next: z.string().optional(), End: z.boolean().optional() });
  for (let name: string | undefined = definition.StartAt; name !== undefined; ) {
    if (path.includes(name)) throw new Error(`the state machine loops at ${name}`);
    path.push(name);
    const state = State.parse(definition.States[name]);
    name = state.End ? undefined : state.Next;
  }
  return path;
}

export interface CallCount {
  readonly calls: number;
  readonly failed: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly refusedWriteUnits: number;
  /** SQS: 64 KB chunks, what AWS bills. */
  readonly requests: number;
}

function tally(calls: readonly MeteredCall[], keyOf: (call: MeteredCall) => string): Record<string, CallCount> {
  const out: Record<string, { calls: number; failed: number; readUnits: number; writeUnits: number; refusedWriteUnits: number; requests: number }> = {};
  for (const call of calls) {
    const entry = (out[keyOf(call)] ??= { calls: 0, failed: 0, readUnits: 0, writeUnits: 0, refusedWriteUnits: 0, requests: 0 });
    entry.calls += 1;
    if (call.status >= 400) entry.failed += 1;
    entry.readUnits += call.billedReadUnits;
    entry.writeUnits += call.billedWriteUnits;
    entry.refusedWriteUnits += call.refusedWriteUnits;
    entry.requests += call.service === 'sqs' ? Math.max(1, Math.ceil(call.requestBytes / 65_536)) : 1;
  }
  return out;
}

const perLead = (count: CallCount, leads: number): CallCount => ({
  calls: round(count.calls / leads),
  failed: round(count.failed / leads),
  readUnits: round(count.readUnits / leads),
  writeUnits: round(count.writeUnits / leads),
  refusedWriteUnits: round(count.refusedWriteUnits / leads),
  requests: round(count.requests / leads),
});

const total = (counts: Record<string, CallCount>): CallCount => {
  const values = Object.values(counts);
  return {
    calls: sum(values.map((v) => v.calls)),
    failed: sum(values.map((v) => v.failed)),
    readUnits: sum(values.map((v) => v.readUnits)),
    writeUnits: sum(values.map((v) => v.writeUnits)),
    refusedWriteUnits: sum(values.map((v) => v.refusedWriteUnits)),
    requests: sum(values.map((v) => v.requests)),
  };
};

export interface FunctionCost {
  readonly fn: string;
  readonly memoryMB: number;
  readonly invocationsPerLead: number;
  readonly failedInvocations: number;
  readonly medianMs: number;
  readonly meanMs: number;
  /** Billed duration (each invocation rounded up to the ms) times memory, per lead. */
  readonly gbSecondsPerLead: number;
  /** DynamoDB per lead, all operations. */
  readonly dynamodb: CallCount;
  /** DynamoDB per lead by operation. */
  readonly dynamodbByOperation: Record<string, CallCount>;
  /** Other services' calls per lead by `service:operation`. */
  readonly otherCalls: Record<string, number>;
}

interface CostLine {
  readonly item: string;
  readonly price: PriceName;
  readonly quantityPer1000Leads: number;
  readonly usdPer1000Leads: number;
}

interface SweepRuns {
  readonly runs: number;
  readonly calls: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly refusedWriteUnits: number;
}

export interface CostPerLeadResult {
  readonly leads: number;
  readonly warmUpLeads: number;
  readonly timeScale: number;
  readonly windowS: number;
  readonly happyPathLeads: number;
  readonly otherHistories: readonly string[];
  readonly timerExecutions: Record<string, number>;
  readonly functions: readonly FunctionCost[];
  /** Per lead, every function but the sweeper, billed units (transactions at AWS's double rate). */
  readonly dynamodbPerLead: { readonly readUnits: number; readonly writeUnits: number; readonly refusedWriteUnits: number; readonly calls: number };
  /** Each step of the happy path: which function, which operations, units per lead. */
  readonly requestsPerLead: {
    readonly lambdaInvocations: number;
    readonly lambdaGbSeconds: number;
    readonly httpApiRequests: number;
    readonly sqsByFunctions: Record<string, number>;
    readonly sqsByEventSourcePoller: Record<string, number>;
    readonly sqsEmptyReceivesByPoller: number;
    readonly sesEmails: number;
    readonly sfnExecutions: number;
    readonly sfnStateTransitions: number;
    readonly dynamodbStreamsReadsByPoller: Record<string, number>;
  };
  readonly slaTimer: { readonly mainPath: readonly string[]; readonly transitionsPerExecution: number; readonly taskRetries: number };
  readonly sweeper: {
    readonly invocations: number;
    readonly medianMs: number;
    readonly memoryMB: number;
    readonly dynamodbPerInvocation: CallCount;
    /** Runs told apart by their calls: those that took the recount turn, and the rest. */
    readonly recountRuns: SweepRuns;
    readonly plainRuns: SweepRuns;
    /** The average run of this (time-scaled) window. */
    readonly usdPerInvocation: number;
    /** A run that recounts, as every run does at once a minute. */
    readonly usdPerRecountingInvocation: number;
    /** Once a minute, 30 days, every run recounting. */
    readonly usdPerMonth: number;
    readonly usdPer1000LeadsAt: Record<string, number>;
  };
  readonly prices: Record<PriceName, Price>;
  readonly costPer1000Leads: { readonly lines: readonly CostLine[]; readonly usd: number; readonly byService: Record<string, number> };
  readonly notes: readonly string[];
}

export async function measureCostPerLead(options: CostPerLeadOptions = {}): Promise<CostPerLeadResult> {
  const leads = options.leads ?? 40;
  const warmUpLeads = options.warmUpLeads ?? 3;
  const timeScale = options.timeScale ?? 60;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const emulators = await startEmulators();
  const proxies: MeteringProxy[] = [];
  const emails = watchEmails();
  let stack: LocalStack | undefined;
  try {
    // The runtime's own plumbing (queue and stream pollers, the seed) talks to these; on AWS it is
    // Lambda's event source mappings, whose SQS requests are billed and stream reads are not.
    const plumbingDynamodb = await startMeteringProxy({ target: emulators.endpoints.dynamodb, service: 'dynamodb' });
    const plumbingSqs = await startMeteringProxy({ target: emulators.endpoints.sqs, service: 'sqs' });
    proxies.push(plumbingDynamodb, plumbingSqs);
    const forFunctions: Partial<Record<Service, MeteringProxy>> = {};
    const invocations: Invocation[] = [];
    let metering = false;
    stack = await startLocalStack({
      sharedEmulators: { dynamodb: plumbingDynamodb.url, sqs: plumbingSqs.url },
      namePrefix: 'cost-',
      functionEndpoint: async (service, endpoint) => {
        // Straight to the emulator, not through the plumbing's proxy.
        const target = service === 'dynamodb' ? emulators.endpoints.dynamodb : service === 'sqs' ? emulators.endpoints.sqs : endpoint;
        // DynamoDB bodies kept: the sweeper's runs are told apart by its recount turn.
        const proxy = await startMeteringProxy({ target, service, keepBodies: service === 'dynamodb' });
        proxies.push(proxy);
        forFunctions[service] = proxy;
        return proxy.url;
      },
      onInvocation: (invocation) => {
        if (metering) invocations.push(invocation);
      },
      seed: true,
      warm: true,
      timeScale: String(timeScale),
      logLevel: 'WARN',
      log: (line) => {
        if (/error|fail/i.test(line)) log(`[stack] ${line}`);
      },
    });
    const running = stack;
    const model = parseTemplate(running.synthesized);
    const functions = resolveFunctions(model, running.scope);
    const memoryOf = new Map(functions.map((fn) => [fn.logicalId, fn.memorySize]));
    const [stateMachine] = resolveStateMachines(model, running.scope);
    if (!stateMachine) throw new Error('the stack has no state machine');
    const path = mainPath(stateMachine.definition);

    const adminKey = Object.entries(running.secrets).find(([id]) => id.startsWith('AdminApiKey'))?.[1];
    if (!adminKey) throw new Error('no AdminApiKey secret');
    const added = await sendFrom('127.0.0.1', 'POST', `${running.apiUrl}/admin/reps`, { type: 'application/json', text: JSON.stringify({ reps: [benchRep] }) }, { authorization: `Bearer ${adminKey}` });
    if (added.status !== 200) throw new Error(`could not add the benchmark's rep: ${added.status} ${added.text}`);

    for (let i = 0; i < warmUpLeads; i++) await happyPath(running, emails, `W${i}`, clientAddress(i));
    // Their timers finish before the window opens, so none of their steps is counted in it.
    await timersDone(running, 180_000);
    for (const proxy of proxies) proxy.reset();
    metering = true;
    const windowStarted = performance.now();

    const leadIds: string[] = [];
    for (let i = 0; i < leads; i++) {
      leadIds.push(await happyPath(running, emails, `M${i}`, clientAddress(warmUpLeads + i)));
      if ((i + 1) % 10 === 0) log(`cost-per-lead: ${i + 1} of ${leads} leads contacted`);
    }
    const timerExecutions = await timersDone(running, 180_000);
    // The relay's last records (the timers' outcomes) after the last step.
    await sleep(2_000);
    metering = false;
    const windowS = (performance.now() - windowStarted) / 1000;
    const functionCalls = Object.values(forFunctions).flatMap((proxy) => proxy.calls.filter((call) => call.appId !== undefined));
    const plumbingCalls = [...plumbingDynamodb.calls, ...plumbingSqs.calls];
    const invocationsSnapshot = [...invocations];

    // Which leads took exactly the happy path.
    const db = new DynamoDBClient({ endpoint: emulators.endpoints.dynamodb, region: running.region, credentials: LOCAL_CREDENTIALS });
    // Loaded here, not at the top: run.ts loads this module beside handler-floor.ts, whose
    // functions must read their environment (log level, metrics off) when the shared modules load.
    const { LeadStore } = await import('#shared/adapters/lead-store.ts');
    const store = new LeadStore(running.tableName, { db: DynamoDBDocumentClient.from(db) });
    const histories = await Promise.all(leadIds.map(async (id) => (await store.history(id)).map((event) => event.kind).join(' > ')));
    db.destroy();
    const expected = 'received > offered > accepted > contacted';
    const happyPathLeads = histories.filter((h) => h === expected).length;
    const otherHistories = [...new Set(histories.filter((h) => h !== expected))];

    const sweeperId = functions.find((fn) => fn.logicalId.startsWith('SweeperFunction'))?.logicalId;
    const escalateId = functions.find((fn) => fn.logicalId.startsWith('EscalateFunction'))?.logicalId;
    const byFunction = new Map<string, { invocations: Invocation[]; calls: MeteredCall[] }>();
    const entry = (id: string) => byFunction.get(id) ?? byFunction.set(id, { invocations: [], calls: [] }).get(id)!;
    for (const invocation of invocationsSnapshot) entry(invocation.functionLogicalId).invocations.push(invocation);
    for (const call of functionCalls) entry(call.appId!).calls.push(call);

    const billedSeconds = (list: readonly Invocation[]) => sum(list.map((inv) => Math.ceil(inv.ms) / 1000));
    const functionCosts: FunctionCost[] = [...byFunction]
      .filter(([id]) => id !== sweeperId)
      .map(([id, { invocations: list, calls }]) => {
        const memoryMB = memoryOf.get(id) ?? 128;
        const dynamodbCalls = calls.filter((call) => call.service === 'dynamodb');
        const byOperation = tally(dynamodbCalls, (call) => call.operation);
        const others = tally(
          calls.filter((call) => call.service !== 'dynamodb'),
          (call) => `${call.service}:${call.operation}`,
        );
        return {
          fn: constructName(id),
          memoryMB,
          invocationsPerLead: round(list.length / leads),
          failedInvocations: list.filter((inv) => inv.failed).length,
          medianMs: round(median(list.map((inv) => inv.ms)), 1),
          meanMs: round(sum(list.map((inv) => inv.ms)) / Math.max(1, list.length), 1),
          gbSecondsPerLead: round((billedSeconds(list) * memoryMB) / 1024 / leads, 5),
          dynamodb: perLead(total(byOperation), leads),
          dynamodbByOperation: Object.fromEntries(Object.entries(byOperation).map(([op, count]) => [op, perLead(count, leads)])),
          otherCalls: Object.fromEntries(Object.entries(others).map(([op, count]) => [op, round(count.requests / leads)])),
        };
      })
      .sort((a, b) => b.dynamodb.writeUnits - a.dynamodb.writeUnits);

    const leadCalls = functionCalls.filter((call) => call.appId !== sweeperId);
    const leadInvocations = invocationsSnapshot.filter((inv) => inv.functionLogicalId !== sweeperId);
    const dynamodbTotal = total(tally(leadCalls.filter((call) => call.service === 'dynamodb'), () => 'all'));
    const sqsByFunctions = tally(leadCalls.filter((call) => call.service === 'sqs'), (call) => call.operation);
    const sqsByPoller = tally(plumbingCalls.filter((call) => call.service === 'sqs'), (call) => call.operation);
    const streamsByPoller = tally(plumbingCalls.filter((call) => call.service === 'dynamodb-streams'), (call) => call.operation);
    const emptyReceives = plumbingCalls.filter((call) => call.operation === 'ReceiveMessage' && call.messages === 0).length;
    const sesEmails = leadCalls.filter((call) => call.service === 'ses' && call.operation.startsWith('Send') && call.status < 300).length;
    const sfnExecutions = leadCalls.filter((call) => call.service === 'sfn' && call.operation === 'StartExecution' && call.status < 300).length;
    const timerInvocations = invocationsSnapshot.filter((inv) => inv.functionLogicalId === escalateId);
    const taskRetries = timerInvocations.filter((inv) => inv.failed).length;
    const transitions = sfnExecutions * path.length + taskRetries;
    const gbSeconds = sum(leadInvocations.map((inv) => ((Math.ceil(inv.ms) / 1000) * (memoryOf.get(inv.functionLogicalId) ?? 128)) / 1024));
    // Each of the rep's clicks and the webhook post is one HTTP API request (all well under 512 KB).
    const httpApiRequests = 4;

    const sweeperInvocations = sweeperId ? (byFunction.get(sweeperId)?.invocations ?? []) : [];
    const sweeperCalls = sweeperId ? (byFunction.get(sweeperId)?.calls ?? []) : [];
    const sweeperMemory = (sweeperId && memoryOf.get(sweeperId)) || 128;
    const sweeperDb = total(tally(sweeperCalls.filter((call) => call.service === 'dynamodb'), () => 'all'));
    // The sweeper's runs, by its calls' gaps (a run takes tens of ms, runs are a second apart
    // here); a run that took the recount turn recounted every rep's load. Here the turn comes once
    // per real recount period; at once a minute every run takes it (RECOUNT_EVERY_MS).
    const sweeperDbCalls = sweeperCalls.filter((call) => call.service === 'dynamodb').sort((a, b) => a.startedAt - b.startedAt);
    const runs: MeteredCall[][] = [];
    for (const call of sweeperDbCalls) {
      const last = runs.at(-1)?.at(-1);
      if (last && call.startedAt - (last.startedAt + last.ms) < 300) runs.at(-1)!.push(call);
      else runs.push([call]);
    }
    const tookTurn = (run: MeteredCall[]) => run.some((call) => call.operation === 'UpdateItem' && call.status < 300 && (call.body ?? '').includes('SWEEPER#RECOUNT'));
    const runUnits = (list: MeteredCall[][]) => {
      const calls = list.flat();
      const n = Math.max(1, list.length);
      return { runs: list.length, calls: round(calls.length / n), readUnits: round(sum(calls.map((c) => c.billedReadUnits)) / n), writeUnits: round(sum(calls.map((c) => c.billedWriteUnits)) / n), refusedWriteUnits: round(sum(calls.map((c) => c.refusedWriteUnits)) / n) };
    };
    const recountRuns = runUnits(runs.filter(tookTurn));
    const plainRuns = runUnits(runs.filter((run) => !tookTurn(run)));
    const perSweep = Math.max(1, sweeperInvocations.length);
    const usdPerSweep =
      prices.lambdaRequest.usd +
      ((billedSeconds(sweeperInvocations) / perSweep) * sweeperMemory * prices.lambdaArmGbSecond.usd) / 1024 +
      (sweeperDb.readUnits / perSweep) * prices.dynamodbReadRequestUnit.usd +
      ((sweeperDb.writeUnits + sweeperDb.refusedWriteUnits) / perSweep) * prices.dynamodbWriteRequestUnit.usd;
    const sweepsPerMonth = 60 * 24 * 30;
    // At once a minute every run recounts: priced with a recount run's units where one was seen.
    const recountUsdPerSweep =
      recountRuns.runs > 0
        ? usdPerSweep -
          (sweeperDb.readUnits / perSweep) * prices.dynamodbReadRequestUnit.usd -
          ((sweeperDb.writeUnits + sweeperDb.refusedWriteUnits) / perSweep) * prices.dynamodbWriteRequestUnit.usd +
          recountRuns.readUnits * prices.dynamodbReadRequestUnit.usd +
          (recountRuns.writeUnits + recountRuns.refusedWriteUnits) * prices.dynamodbWriteRequestUnit.usd
        : usdPerSweep;

    const k = 1000 / leads;
    const pollerSqsRequests = total(sqsByPoller).requests;
    const linesSpec: [string, PriceName, number][] = [
      ['Lambda invocations', 'lambdaRequest', leadInvocations.length * k],
      ['Lambda duration (GB-s, arm64)', 'lambdaArmGbSecond', gbSeconds * k],
      ['DynamoDB read request units', 'dynamodbReadRequestUnit', dynamodbTotal.readUnits * k],
      ['DynamoDB write request units', 'dynamodbWriteRequestUnit', dynamodbTotal.writeUnits * k],
      ['DynamoDB refused writes (estimated units)', 'dynamodbWriteRequestUnit', dynamodbTotal.refusedWriteUnits * k],
      ['HTTP API requests', 'httpApiRequest', httpApiRequests * 1000],
      ['SQS requests by the functions', 'sqsRequest', total(sqsByFunctions).requests * k],
      ['SQS requests by the event source poller', 'sqsRequest', pollerSqsRequests * k],
      ['SES emails', 'sesOutboundEmail', sesEmails * k],
      ['Step Functions state transitions', 'sfnStateTransition', transitions * k],
    ];
    const lines: CostLine[] = linesSpec.map(([item, price, quantity]) => ({
      item,
      price,
      quantityPer1000Leads: round(quantity, 3),
      usdPer1000Leads: round(quantity * prices[price].usd, 6),
    }));
    const serviceOf: Record<PriceName, string> = {
      lambdaRequest: 'Lambda',
      lambdaArmGbSecond: 'Lambda',
      dynamodbReadRequestUnit: 'DynamoDB',
      dynamodbWriteRequestUnit: 'DynamoDB',
      httpApiRequest: 'API Gateway',
      sqsRequest: 'SQS',
      sesOutboundEmail: 'SES',
      sfnStateTransition: 'Step Functions',
    };
    const byService: Record<string, number> = {};
    for (const line of lines) byService[serviceOf[line.price]] = round((byService[serviceOf[line.price]] ?? 0) + line.usdPer1000Leads, 6);

    return {
      leads,
      warmUpLeads,
      timeScale,
      windowS: round(windowS, 1),
      happyPathLeads,
      otherHistories,
      timerExecutions,
      functions: functionCosts,
      dynamodbPerLead: {
        readUnits: round(dynamodbTotal.readUnits / leads),
        writeUnits: round(dynamodbTotal.writeUnits / leads),
        refusedWriteUnits: round(dynamodbTotal.refusedWriteUnits / leads),
        calls: round(dynamodbTotal.calls / leads),
      },
      requestsPerLead: {
        lambdaInvocations: round(leadInvocations.length / leads),
        lambdaGbSeconds: round(gbSeconds / leads, 5),
        httpApiRequests,
        sqsByFunctions: Object.fromEntries(Object.entries(sqsByFunctions).map(([op, count]) => [op, round(count.requests / leads)])),
        sqsByEventSourcePoller: Object.fromEntries(Object.entries(sqsByPoller).map(([op, count]) => [op, round(count.requests / leads)])),
        sqsEmptyReceivesByPoller: round(emptyReceives / leads),
        sesEmails: round(sesEmails / leads),
        sfnExecutions: round(sfnExecutions / leads),
        sfnStateTransitions: round(transitions / leads),
        dynamodbStreamsReadsByPoller: Object.fromEntries(Object.entries(streamsByPoller).map(([op, count]) => [op, round(count.calls / leads)])),
      },
      slaTimer: { mainPath: path, transitionsPerExecution: path.length, taskRetries },
      sweeper: {
        invocations: sweeperInvocations.length,
        medianMs: round(median(sweeperInvocations.map((inv) => inv.ms)), 1),
        memoryMB: sweeperMemory,
        dynamodbPerInvocation: perLead(sweeperDb, perSweep),
        recountRuns,
        plainRuns,
        usdPerInvocation: round(usdPerSweep, 9),
        usdPerRecountingInvocation: round(recountUsdPerSweep, 9),
        usdPerMonth: round(recountUsdPerSweep * sweepsPerMonth, 4),
        usdPer1000LeadsAt: Object.fromEntries([1_000, 10_000, 100_000].map((volume) => [`${volume} leads a month`, round((recountUsdPerSweep * sweepsPerMonth * 1000) / volume, 4)])),
      },
      prices,
      costPer1000Leads: { lines, usd: round(sum(lines.map((line) => line.usdPer1000Leads)), 4), byService },
      notes: [
        "durations are each invocation's wall time in the local runtime (a worker thread on this machine, the emulators beside it), not Lambda's; GB-seconds use each function's memory size from the template",
        'DynamoDB units as DynamoDB Local reports them, transactions doubled as AWS bills them; refused conditional writes are charged on AWS and estimated at the minimum (1 unit, 2 in a transaction, per item)',
        "the event source poller's SQS requests are the local runtime's (1-second long polls per lane, more receives until the batch window closes, a batch delete); Lambda's own SQS pollers long-poll an idle queue too (several pollers, 20-second polls), billed the same way, so the idle share differs",
        "DynamoDB Streams reads by Lambda's event source mapping are free; the local stream poller's reads are counted, not priced",
        "the sweeper's schedule is scaled by TIME_SCALE here, its recount period is not: its runs are split into those that recounted every rep's load and those that did not, and a month is priced at once a minute with every run recounting, as it does at that cadence (the recount grows with the reps of the stack)",
        'free tiers are left out',
      ],
    };
  } finally {
    emails.restore();
    await stack?.stop();
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    await emulators.stop();
  }
}
