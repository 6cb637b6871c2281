import { DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { postJsonFrom } from './bench-http.ts';
import { ParentMessage, type StackMessage } from './stack-protocol.ts';

/**
 * One local stack for a benchmark, in a process of its own as `npm start` would run it:
 * `node stack-process.ts <start.ts URL> <stack config file>`, forked by the benchmark
 * (outbox-latency.ts, speed-to-lead.ts through stack-runner.ts), which tells it what to do.
 * It posts a lead and times, on its own clock, the answer and the moment the SES emulator takes
 * the lead's offer email (`post`), or reports each email as the emulator takes it, for a
 * benchmark that posts itself (`report-emails`).
 *
 * The emulator stores `at` in whole seconds only, and polling `GET /store` (every email, bodies
 * included) dozens of times a second would load the very machine being measured; the email
 * server runs in this process, so its `saveEmail` is wrapped to note the time instead.
 */

const [startModuleUrl, configFile] = process.argv.slice(2);
if (!startModuleUrl || !configFile || !process.send) {
  throw new Error('usage: forked by a benchmark (bench/stack-runner.ts) with <start.ts URL> <stack config file>');
}
const send = (message: StackMessage) => process.send!(message);

/** What this process uses of either version's `startLocalStack` (the old one lacks newer options). */
interface StartModule {
  startLocalStack(options: {
    config: string;
    port: number;
    sesPort: number;
    seed: boolean;
    timeScale: string;
    logLevel: string;
    log: (line: string) => void;
  }): Promise<{
    apiUrl: string;
    region: string;
    tableName: string;
    endpoints: { dynamodb: string };
    secrets: Readonly<Record<string, string>>;
    functionIds?: readonly string[];
    concurrency?(functionLogicalId: string): { readonly environments: number };
    stop(): Promise<void>;
  }>;
}

/** Long enough for any offer on a loaded machine; a missing one is counted, not waited for. */
const OFFER_TIMEOUT_MS = 30_000;

// The store module the stack's own emulators.ts loads: resolved from the start module, so the
// old worktree (node_modules symlinked to the repo's) gets the same, realpath-cached, instance.
const store = createRequire(startModuleUrl)('aws-ses-v2-local/dist/store.js') as { saveEmail: (email: { readonly subject: string }) => void };
const waiting = new Map<string, (at: number) => void>();
let reportEmails = false;
const saveEmail = store.saveEmail;
store.saveEmail = (email) => {
  const at = performance.now();
  saveEmail(email);
  waiting.get(email.subject)?.(at);
  if (reportEmails) send({ type: 'email', subject: email.subject, at: performance.timeOrigin + at });
};

function offerArrival(subject: string): Promise<number | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiting.delete(subject);
      resolve(null);
    }, OFFER_TIMEOUT_MS);
    waiting.set(subject, (at) => {
      clearTimeout(timer);
      waiting.delete(subject);
      resolve(at);
    });
  });
}

const startedAt = performance.now();
const { startLocalStack } = (await import(startModuleUrl)) as StartModule;
// The runtime's own lines that are not a request's (a failed batch, a retry) and the functions'
// WARN and ERROR lines: what explains a slow or lost lead.
const log = (line: string) => {
  if (!/^[A-Z]+ \/\S* \d{3} \d+ms/.test(line)) process.stdout.write(`${line}\n`);
};
const stack = await startLocalStack({ config: configFile, port: 0, sesPort: 0, seed: true, timeScale: '1', logLevel: 'WARN', log }).catch((error: unknown) => {
  send({ type: 'failed', error: `the stack did not start: ${(error as Error).stack ?? String(error)}` });
  process.exit(1);
});

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await stack.stop().catch(() => undefined);
  }
  process.exit(code);
}
process.on('disconnect', () => void stop(0));
process.on('SIGINT', () => void stop(130));
process.on('SIGTERM', () => void stop(143));

const ImportReport = z.object({ created: z.number() });
const adminKey = Object.entries(stack.secrets).find(([id]) => id.startsWith('AdminApiKey'))?.[1];

async function importReps(reps: readonly Record<string, unknown>[]): Promise<StackMessage> {
  if (!adminKey) throw new Error('no AdminApiKey secret');
  const added = await postJsonFrom('127.0.0.1', `${stack.apiUrl}/admin/reps`, { reps }, { authorization: `Bearer ${adminKey}` });
  const created = added.status === 200 ? ImportReport.safeParse(JSON.parse(added.text)).data?.created : undefined;
  if (created === undefined) throw new Error(`could not add the benchmark's reps: ${added.status} ${added.text}`);
  return { type: 'imported', created };
}

send({ type: 'ready', startupMs: performance.now() - startedAt, apiUrl: stack.apiUrl, secrets: { ...stack.secrets } });

async function census(): Promise<StackMessage> {
  const db = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: stack.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  let effectRecords = 0;
  let done = 0;
  let page: ScanCommandOutput | undefined;
  do {
    page = await db.send(
      new ScanCommand({
        TableName: stack.tableName,
        FilterExpression: 'begins_with(sk, :effect)',
        ProjectionExpression: '#status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':effect': { S: 'EFFECT#' } },
        ...(page?.LastEvaluatedKey ? { ExclusiveStartKey: page.LastEvaluatedKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      effectRecords++;
      if (item.status?.S === 'done') done++;
    }
  } while (page.LastEvaluatedKey);
  db.destroy();
  return { type: 'census', effectRecords, done };
}

function environments(): StackMessage {
  const ids = stack.concurrency ? (stack.functionIds ?? []) : [];
  return { type: 'environments', byFunction: Object.fromEntries(ids.map((id) => [id, stack.concurrency!(id).environments])) };
}

async function postLead(message: Extract<ParentMessage, { type: 'post' }>): Promise<StackMessage> {
  // Listening before posting: the email may well be sent before the 202 is read.
  const arrival = offerArrival(message.subject);
  const start = performance.now();
  const response = await postJsonFrom(message.localAddress, `${stack.apiUrl}/leads`, message.body);
  const ackMs = performance.now() - start;
  const at = response.status === 202 ? await arrival : null;
  return { type: 'result', seq: message.seq, status: response.status, ackMs, offerMs: at === null ? null : at - start };
}

process.on('message', (raw) => {
  const message = ParentMessage.parse(raw);
  if (message.type === 'stop') {
    void stop(0);
    return;
  }
  if (message.type === 'report-emails') {
    reportEmails = true;
    return;
  }
  if (message.type === 'environments') {
    send(environments());
    return;
  }
  const answer = message.type === 'census' ? census() : message.type === 'import-reps' ? importReps(message.reps) : postLead(message);
  answer.then(send, (error: unknown) => send({ type: 'failed', error: `${message.type}: ${(error as Error).message}` }));
});
