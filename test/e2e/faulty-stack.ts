import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_CREDENTIALS } from '#infra/local/emulators.ts';
import type { LocalStack } from '#infra/local/start.ts';
import { LeadStore } from '#shared/adapters/lead-store.ts';
import { AdminRepStore } from '#shared/adapters/admin-rep-store.ts';
import type { NewRep } from '#shared/adapters/rep-store.ts';
import { issueSession, SESSION_COOKIE, sessionCsrf } from '#shared/portal/session.ts';
import type { FaultProxy, FaultService } from '../support/fault-proxy.ts';
import type { AccessReport } from '../support/role-permissions.ts';
import { postLead, startProxiedStack } from './proxied-stack.ts';
import { readInbox, type SentEmail } from './inbox.ts';

/**
 * The local stack with every function talking to the emulators through a fault proxy
 * (test/support/fault-proxy.ts), on the integration suite's teams (t01…t20, each reached by the
 * form field `routeTo`) with SLAs short enough to pass within a test: at TIME_SCALE 20 a lead has
 * 9 s to be accepted, its owner is reminded after 12 s and its contact deadline is at 24 s. Not
 * less: two dozen cases run at once in one process with the stack, and on a loaded machine a
 * rep's click can come seconds after the offer email did.
 */

export const TIME_SCALE = 20;
/** Real milliseconds of SLA minutes at this scale. */
export const scaled = (minutes: number) => (minutes * 60_000) / TIME_SCALE;

export interface FaultyStack {
  readonly stack: LocalStack;
  readonly proxies: Readonly<Record<FaultService, FaultProxy>>;
  /** The functions' calls so far, judged against their roles (see ProxiedStack). */
  access(): AccessReport;
  readonly leads: LeadStore;
  readonly reps: AdminRepStore;
  /** The table, directly (not through the proxies). */
  readonly db: DynamoDBDocumentClient;
  /** Posts a lead to the webhook; returns its id. */
  post(fields: Record<string, string>): Promise<string>;
  inbox(): Promise<SentEmail[]>;
  /** SLA timer executions, by name and status. */
  executions(): Promise<{ name: string; status: string }[]>;
  /** A request to the gateway as a signed-in rep of the portal (session cookie and CSRF token). */
  portal(repId: string, method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<Response>;
  /** The SES bounce notification for an address, as SNS hands it to the feedback function. */
  bounce(address: string): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startFaultyStack(): Promise<FaultyStack> {
  const dir = mkdtempSync(join(tmpdir(), 'lead-router-faults-'));
  const base = JSON.parse(readFileSync(new URL('../integration/stack.json', import.meta.url), 'utf8')) as Record<string, any>;
  const config = {
    ...base,
    name: 'faults',
    routing: {
      ...base.routing,
      // One more team that reassigns missed leads, for a case of its own.
      teams: (base.routing.teams as { id: string }[]).map((team) => (team.id === 't16' ? { ...team, onMissedContact: 'reassign' } : team)),
      tiers: {
        hot: { acceptMinutes: 3, remindMinutesBefore: 4, contactMinutes: 8 },
        warm: { acceptMinutes: 3, remindMinutesBefore: 4, contactMinutes: 8 },
        cold: { acceptMinutes: 3, remindMinutesBefore: 4, contactMinutes: 8 },
      },
    },
  };
  const file = join(dir, 'faults.json');
  writeFileSync(file, JSON.stringify(config));
  const { stack, proxies, access, stop } = await startProxiedStack({ config: file, seed: false, warm: true, timeScale: String(TIME_SCALE), logLevel: 'ERROR', log: () => undefined });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: stack.region, credentials: LOCAL_CREDENTIALS }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sfn = new SFNClient({ endpoint: stack.endpoints.sfn, region: stack.region, credentials: LOCAL_CREDENTIALS });
  const [stateMachineArn] = stack.stateMachineArns;
  const sessionKey = Object.entries(stack.secrets).find(([id]) => id.startsWith('SessionKey'))![1];
  const sample = JSON.parse(readFileSync(new URL('../../events/feedback/ses-bounce.json', import.meta.url), 'utf8')) as {
    Records: [{ Sns: { Message: string; MessageId: string } }];
  };
  const functionId = (prefix: string) => {
    const id = stack.functionIds.find((logicalId) => logicalId.startsWith(prefix));
    if (!id) throw new Error(`no ${prefix} in the stack`);
    return id;
  };
  return {
    stack,
    proxies,
    access,
    db,
    leads: new LeadStore(stack.tableName, db),
    reps: new AdminRepStore(stack.tableName, db),
    // As a sender would: a 5xx (the table slow to answer on a busy machine) is retried with the same key.
    post: (fields) => postLead(stack.apiUrl, fields, randomUUID()),
    inbox: () => readInbox(stack.inboxUrl),
    async executions() {
      const all: { name: string; status: string }[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken }));
        for (const execution of page.executions ?? []) all.push({ name: execution.name!, status: execution.status! });
        nextToken = page.nextToken;
      } while (nextToken);
      return all;
    },
    async portal(repId, method, path, form) {
      const { token, claims } = issueSession(sessionKey, repId, new Date());
      const body = form ? new URLSearchParams({ ...form, csrf: sessionCsrf(sessionKey, claims) }).toString() : undefined;
      return fetch(`${stack.apiUrl}${path}`, {
        method,
        redirect: 'manual',
        headers: { cookie: `${SESSION_COOKIE}=${token}`, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(body ? { body } : {}),
      });
    },
    async bounce(address) {
      const message = JSON.parse(sample.Records[0].Sns.Message) as { bounce: { bouncedRecipients: { emailAddress: string }[]; feedbackId: string }; mail: { destination: string[] } };
      message.bounce.bouncedRecipients = [{ ...message.bounce.bouncedRecipients[0]!, emailAddress: address }];
      message.bounce.feedbackId = `feedback-${address}`;
      message.mail.destination = [address];
      const event = structuredClone(sample);
      event.Records[0].Sns.Message = JSON.stringify(message);
      event.Records[0].Sns.MessageId = `bounce-${address}`;
      return stack.invoke(functionId('FeedbackFunction'), event);
    },
    async stop() {
      await stop();
      sfn.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Adds reps to a team of the integration config, each with an address of its own. */
export async function addReps(stack: FaultyStack, teamId: string, tag: string, specs: readonly Partial<NewRep>[]): Promise<{ id: string; email: string }[]> {
  const added = specs.map((spec, i) => ({ id: `${tag}-r${i}`, email: `${tag}-r${i}@faults.example.com`, spec }));
  for (const rep of added) {
    await stack.reps.add({ id: rep.id, name: `Rep ${rep.id}`, email: rep.email, teamId, capacity: 3, ...rep.spec } as NewRep);
  }
  return added.map(({ id, email }) => ({ id, email }));
}

/** The href of a labelled button in an email. */
export function link(email: SentEmail, label: string): string {
  const match = new RegExp(`href="([^"]+)"[^>]*>${label}<`).exec(email.body.html ?? '');
  if (!match) throw new Error(`no "${label}" link in ${email.subject}`);
  return match[1]!.replaceAll('&amp;', '&');
}

export const postForm = (url: string, form = '') => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });

export type { APIGatewayProxyEventV2 };
