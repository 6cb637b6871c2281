import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { LocalStack, LocalStackOptions } from '#infra/local/start.ts';
import { startFaultProxy, type FaultProxy, type FaultService } from '../support/fault-proxy.ts';
import { CallLog, rolePolicies, type AccessReport } from '../support/role-permissions.ts';
import { startTestStack } from './test-stack.ts';

/**
 * The local stack with every function talking to the emulators through a fault proxy of its own
 * service (test/support/fault-proxy.ts); the runtime's own plumbing keeps talking to them
 * directly. `stop` ends the stack, then the proxies.
 */
export interface ProxiedStack {
  readonly stack: LocalStack;
  readonly proxies: Readonly<Record<FaultService, FaultProxy>>;
  /**
   * Every call the functions made through the proxies so far, judged against the calling
   * function's role in the synthesized template, as IAM would on AWS: the emulators allow
   * anything, so a grant too narrow for what the code calls shows here or nowhere.
   */
  access(): AccessReport;
  stop(): Promise<void>;
}

export async function startProxiedStack(options: Omit<LocalStackOptions, 'functionEndpoint'>): Promise<ProxiedStack> {
  const proxies: Partial<Record<FaultService, FaultProxy>> = {};
  const log = new CallLog();
  const stopProxies = async () => {
    await Promise.all(Object.values(proxies).map((proxy) => proxy.stop()));
  };
  let stack: LocalStack;
  try {
    stack = await startTestStack({
      ...options,
      functionEndpoint: async (service, endpoint) => {
        const proxy = await startFaultProxy({ target: endpoint, service, onCall: (call, body) => log.record(service, call, body) });
        proxies[service] = proxy;
        return proxy.url;
      },
    });
  } catch (error) {
    await stopProxies();
    throw error;
  }
  const { dynamodb, sqs, ses, sfn } = proxies;
  // The runtime asks for each service's endpoint before any function starts.
  if (!dynamodb || !sqs || !ses || !sfn) {
    await stack.stop();
    await stopProxies();
    throw new Error('the local stack did not ask for every service endpoint');
  }
  let policies: ReturnType<typeof rolePolicies>;
  try {
    policies = rolePolicies(stack.synthesized, stack.scope);
  } catch (error) {
    await stack.stop();
    await stopProxies();
    throw error;
  }
  const queueArns = new Map(Object.values(stack.resources.queues).map((queue) => [new URL(queue.url).pathname, queue.arn]));
  const arns = { region: stack.scope.region, accountId: stack.scope.accountId, queueArn: (url: string) => queueArns.get(new URL(url).pathname) };
  return {
    stack,
    proxies: { dynamodb, sqs, ses, sfn },
    access: () => log.judge(policies, arns),
    async stop() {
      await stack.stop();
      await stopProxies();
    },
  };
}

/**
 * The calls that go through the proxies without naming a function: the runtime creates the
 * queues through the functions' SQS endpoint, so that their URLs name it (infra/local/start.ts).
 */
export const RUNTIME_CALLS = ['sqs:CreateQueue', 'sqs:GetQueueAttributes'];

/** The construct ids of the functions that made calls (their logical ids without CDK's hash), sorted. */
export function callers(report: AccessReport): string[] {
  return [...report.calls.keys()].map((logicalId) => logicalId.replace(/[0-9A-F]{8}$/, '')).sort();
}

/**
 * Posts a lead to the webhook as a sender does on a busy or faulty stack: a 5xx, a 429 or no
 * answer is retried with the same idempotency key, which gets the first answer or stores the
 * lead now. Returns the lead id.
 */
export async function postLead(apiUrl: string, fields: Record<string, string>, idempotencyKey: string): Promise<string> {
  const body = JSON.stringify(fields);
  for (let attempt = 1; ; attempt++) {
    const answer = await fetch(`${apiUrl}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body,
      signal: AbortSignal.timeout(30_000),
    }).then(
      async (response) => ({ status: response.status, text: await response.text() }),
      (error: unknown) => ({ status: 0, text: String(error) }),
    );
    if (answer.status === 202) return z.object({ leadId: z.string() }).parse(JSON.parse(answer.text)).leadId;
    const retryable = answer.status === 0 || answer.status === 429 || answer.status >= 500;
    if (!retryable || attempt >= 8) throw new Error(`POST /leads for ${fields.email} answered ${answer.status} (attempt ${attempt}): ${answer.text.slice(0, 300)}`);
    await sleep(250 * attempt);
  }
}
