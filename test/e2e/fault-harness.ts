import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { z } from 'zod';
import { LOCAL_CREDENTIALS } from '#infra/local/emulators.ts';
import type { LocalStack } from '#infra/local/start.ts';
import { EffectRecordSchema, ownerLabel, timerExecutionName } from '#shared/adapters/outbox.ts';
import { LeadStore } from '#shared/adapters/lead-store.ts';
import { AdminRepStore } from '#shared/adapters/admin-rep-store.ts';
import { minutesToMs } from '#shared/config/runtime.ts';
import { loadStackConfig, type StackConfig } from '#shared/config/stack-config.ts';
import { verifyLink, type LinkClaims } from '#shared/domain/link-token.ts';
import { issueSession, SESSION_COOKIE, sessionCsrf } from '#shared/portal/session.ts';
import { QUEUE_NOTICE_COOLDOWN_MINUTES } from '#shared/use-cases/route-lead.ts';
import type { FaultProxy, FaultService } from '../support/fault-proxy.ts';
import type { AccessReport } from '../support/role-permissions.ts';
import { postLead, startProxiedStack, type ProxiedStack } from './proxied-stack.ts';

/**
 * The local stack of test/e2e/fault-stack.json with every function talking to the emulators
 * through a fault proxy (test/support/fault-proxy.ts), and what the fault tests read back
 * directly from the emulators: the table, the SLA timer executions, the inbox, the DLQs. The
 * invariants (`violations`) are the promises the outbox and the sweeper make under faults:
 * nothing lost, nothing assigned twice, no rep overfilled, every effect performed exactly once.
 */

export const CONFIG_FILE = fileURLToPath(new URL('./fault-stack.json', import.meta.url));
export const config: StackConfig = loadStackConfig(CONFIG_FILE);

/** Two desks of three reps: with four attempts allowed, a lead all three pass on is opened to the North desk and only queued at the South desk. */
export const REP_IDS = ['n1', 'n2', 'n3', 's1', 's2', 's3'] as const;
export type RepId = (typeof REP_IDS)[number];
export const repEmail = (repId: string) => `${repId}@faults.example.com`;
const deskOf = (repId: string) => (repId.startsWith('n') ? 'north' : 'south');
export const managerOf = (teamId: string) => `${teamId}-manager`;

export type Tier = 'hot' | 'warm' | 'cold';
export type Desk = 'north' | 'south';

/**
 * A unique, fixed-width name per lead: every subject carries it, and no name is a prefix of
 * another, so a subject (or a fault's match) picks out exactly one lead.
 */
export const leadName = (index: number) => `Lead Q${String(index).padStart(3, '0')}`;
const NAME_IN_TEXT = /Lead Q\d{3}/;
export const nameIn = (text: string) => NAME_IN_TEXT.exec(text)?.[0];
export const leadAddress = (index: number) => `q${String(index).padStart(3, '0')}@leads.example.com`;

/** The form fields of a lead of this tier for this desk (see the scoring of fault-stack.json). */
export function leadFields(index: number, tier: Tier, desk: Desk): Record<string, string> {
  return {
    firstName: 'Lead',
    lastName: `Q${String(index).padStart(3, '0')}`,
    email: leadAddress(index),
    product: 'solar',
    desk,
    ...(tier === 'hot' ? { priority: 'urgent' } : {}),
    ...(tier === 'cold' ? { interest: 'none' } : {}),
  };
}

const SentEmailSchema = z.looseObject({
  messageId: z.string(),
  /** Epoch seconds. */
  at: z.number(),
  destination: z.looseObject({ to: z.array(z.string()) }),
  subject: z.string(),
  body: z.looseObject({ text: z.string().optional(), html: z.string().optional() }),
});
export type SentEmail = z.infer<typeof SentEmailSchema>;
const InboxSchema = z.object({ emails: z.array(SentEmailSchema) });

const LeadItemSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  attempt: z.number(),
  ownerId: z.string().optional(),
  teamId: z.string().optional(),
  tier: z.string().optional(),
  contactDeadline: z.string(),
  contact: z.looseObject({ firstName: z.string().optional(), lastName: z.string().optional() }),
});
export type LeadItem = z.infer<typeof LeadItemSchema>;
const EventItemSchema = z.looseObject({ pk: z.string(), at: z.string(), kind: z.string(), actor: z.string(), detail: z.record(z.string(), z.unknown()).optional() });
export type EventItem = z.infer<typeof EventItemSchema>;
const EffectItemSchema = z.intersection(
  EffectRecordSchema,
  z.object({
    suppressed: z.boolean().optional(),
    doneAt: z.string().optional(),
    lastError: z.string().optional(),
    gsi3sk: z.string().optional(),
  }),
);
export type EffectItem = z.infer<typeof EffectItemSchema>;
const RepItemSchema = z.looseObject({ id: z.string(), teamId: z.string(), capacity: z.number(), openLeads: z.number() });
export type RepItem = z.infer<typeof RepItemSchema>;

export interface Execution {
  readonly name: string;
  readonly status: string;
}

/** Everything the invariants look at, read straight from the emulators. */
export interface Snapshot {
  readonly leads: ReadonlyMap<string, LeadItem>;
  readonly events: ReadonlyMap<string, EventItem[]>;
  /** Effect records of leads, by lead id. */
  readonly effects: ReadonlyMap<string, EffectItem[]>;
  /** Effect records of reps' own account changes (a sign-in link, a queue drain), by rep id. */
  readonly repEffects: ReadonlyMap<string, EffectItem[]>;
  readonly reps: ReadonlyMap<string, RepItem>;
  readonly executions: readonly Execution[];
  readonly inbox: readonly SentEmail[];
  readonly dlq: { readonly effects: number; readonly routing: number };
}

/** A lead the test posted and the webhook took (202). */
export interface Posted {
  readonly id: string;
  readonly name: string;
  readonly tier: Tier;
}

export interface FaultyStack {
  readonly stack: LocalStack;
  readonly proxies: Readonly<Record<FaultService, FaultProxy>>;
  /** The functions' calls so far, judged against their roles (see ProxiedStack). */
  access(): AccessReport;
  /** Posts a lead to `POST /leads` as a sender that retries a 5xx or 429 with the same Idempotency-Key. */
  post(fields: Record<string, string>, idempotencyKey: string): Promise<string>;
  addReps(capacity: number): Promise<void>;
  /** Emails sent since `sinceSeconds` (epoch seconds, inclusive), or all. */
  inbox(sinceSeconds?: number): Promise<SentEmail[]>;
  /** The claims of a signed action link (`…/a/<token>`), verified with the stack's key. */
  claimsOf(url: string): LinkClaims;
  /** A POST to the portal as the signed-in rep (session cookie and CSRF token). */
  portal(repId: string, path: string, form?: Record<string, string>): Promise<Response>;
  /** Ids of the leads waiting in a team's queue, as its manager's team page lists them. */
  teamQueue(teamId: string): Promise<string[]>;
  snapshot(): Promise<Snapshot>;
  stop(): Promise<void>;
}

/** FAULT_TEST_LOGS=1 shows the runtime's lines and the functions' warnings (every failure they recover from). */
const FUNCTION_LOGS = process.env.FAULT_TEST_LOGS === '1';

export async function startFaultyStack(timeScale: number): Promise<FaultyStack> {
  const proxied = await startProxiedStack({
    config: CONFIG_FILE,
    seed: false,
    // Every function ready before the first lead: the schedules' early steps are timed from it.
    warm: true,
    timeScale: String(timeScale),
    logLevel: FUNCTION_LOGS ? 'WARN' : 'SILENT',
    log: FUNCTION_LOGS ? (line) => console.log(line) : () => undefined,
  });
  try {
    return await attachReaders(proxied);
  } catch (error) {
    await proxied.stop();
    throw error;
  }
}

/** The stack started: the clients and helpers that read it back directly, past the proxies. */
async function attachReaders({ stack, proxies, access, stop }: ProxiedStack): Promise<FaultyStack> {
  const { region } = stack;
  const dynamodb = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region, credentials: LOCAL_CREDENTIALS });
  const db = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const sfn = new SFNClient({ endpoint: stack.endpoints.sfn, region, credentials: LOCAL_CREDENTIALS });
  const sqs = new SQSClient({ endpoint: stack.endpoints.sqs, region, credentials: LOCAL_CREDENTIALS });
  const secret = (prefix: string) => {
    const found = Object.entries(stack.secrets).find(([id]) => id.startsWith(prefix));
    if (!found) throw new Error(`the stack has no ${prefix} secret`);
    return found[1];
  };
  const signingKey = secret('LinkSigningKey');
  const sessionKey = secret('SessionKey');
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  const stateMachineArn = stateMachines[0]?.stateMachineArn;
  if (!stateMachineArn) throw new Error('the stack has no state machine');
  // The provisioned queue URLs name the functions' (proxied) SQS endpoint; the test reads the emulator's.
  const queueUrl = (prefix: string) => {
    const found = Object.entries(stack.resources.queues).find(([id]) => id.startsWith(prefix));
    if (!found) throw new Error(`the stack has no ${prefix} queue`);
    const url = new URL(found[1].url);
    const emulator = new URL(stack.endpoints.sqs);
    url.protocol = emulator.protocol;
    url.host = emulator.host;
    return url.href;
  };
  const dlqs = { effects: queueUrl('EffectsDlq'), routing: queueUrl('RoutingDlq') };
  const messagesIn = async (url: string) => {
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  };

  const inbox = async (sinceSeconds?: number) => {
    const query = sinceSeconds === undefined ? '' : `?since=${Math.floor(sinceSeconds)}`;
    return InboxSchema.parse(await (await fetch(`${stack.inboxUrl}/store${query}`)).json()).emails;
  };

  const executions = async (): Promise<Execution[]> => {
    const all: Execution[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000, nextToken }));
      for (const execution of page.executions ?? []) all.push({ name: execution.name ?? '', status: execution.status ?? '' });
      nextToken = page.nextToken;
    } while (nextToken);
    return all;
  };

  const snapshot = async (): Promise<Snapshot> => {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client: db }, { TableName: stack.tableName, ConsistentRead: true })) items.push(...(page.Items ?? []));
    const leads = new Map<string, LeadItem>();
    const events = new Map<string, EventItem[]>();
    const effects = new Map<string, EffectItem[]>();
    const repEffects = new Map<string, EffectItem[]>();
    const reps = new Map<string, RepItem>();
    const push = <T>(map: Map<string, T[]>, key: string, value: T) => map.set(key, [...(map.get(key) ?? []), value]);
    for (const item of items) {
      switch (item.type) {
        case 'lead': {
          const lead = LeadItemSchema.parse(item);
          leads.set(lead.id, lead);
          break;
        }
        case 'lead-event': {
          const event = EventItemSchema.parse(item);
          push(events, event.pk.slice('LEAD#'.length), event);
          break;
        }
        case 'effect': {
          const effect = EffectItemSchema.parse(item);
          if (effect.leadId !== undefined) push(effects, effect.leadId, effect);
          else push(repEffects, effect.repId, effect);
          break;
        }
        case 'rep': {
          const rep = RepItemSchema.parse(item);
          reps.set(rep.id, rep);
          break;
        }
      }
    }
    for (const list of events.values()) list.sort((a, b) => a.at.localeCompare(b.at));
    const [allExecutions, allEmails, effectsDlq, routingDlq] = await Promise.all([executions(), inbox(), messagesIn(dlqs.effects), messagesIn(dlqs.routing)]);
    return { leads, events, effects, repEffects, reps, executions: allExecutions, inbox: allEmails, dlq: { effects: effectsDlq, routing: routingDlq } };
  };

  return {
    stack,
    proxies,
    access,
    post: (fields, idempotencyKey) => postLead(stack.apiUrl, fields, idempotencyKey),
    async addReps(capacity) {
      const reps = new AdminRepStore(stack.tableName, db);
      for (const id of REP_IDS) {
        await reps.add({ id, name: `Rep ${id}`, email: repEmail(id), teamId: deskOf(id), capacity, products: [], languages: [], timeZone: 'Europe/Berlin' });
      }
      // Each desk's manager signs in to the portal at the manager's address and takes no leads.
      for (const team of config.routing.teams) {
        await reps.add({ id: managerOf(team.id), name: `Manager ${team.id}`, email: team.managerEmail, teamId: team.id, role: 'manager', capacity: 0, timeZone: 'Europe/Berlin' });
      }
    },
    inbox,
    claimsOf(url) {
      const token = new URL(url).pathname.split('/').at(-1) ?? '';
      return verifyLink(signingKey, token, new Date());
    },
    async portal(repId, path, form = {}) {
      const { token, claims } = issueSession(sessionKey, repId, new Date());
      return fetch(`${stack.apiUrl}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: `${SESSION_COOKIE}=${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...form, csrf: sessionCsrf(sessionKey, claims) }).toString(),
      });
    },
    teamQueue: (teamId) => new LeadStore(stack.tableName, db).teamQueue(teamId, 50),
    snapshot,
    async stop() {
      await stop();
      dynamodb.destroy();
      sfn.destroy();
      sqs.destroy();
    },
  };
}

/** The href of a labelled button in an email. */
export function linkIn(email: SentEmail, label: string): string | undefined {
  const match = new RegExp(`href="([^"]+)"[^>]*>${label}<`).exec(email.body.html ?? '');
  return match?.[1]?.replaceAll('&amp;', '&');
}

/** The forms of a page by the label of their button, their actions resolved against the page's URL. */
export function formsOf(page: string, pageUrl: string): Map<string, string> {
  const forms = new Map<string, string>();
  for (const match of page.matchAll(/<form[^>]*\baction="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)) {
    const label = /<button[^>]*>([^<]+)</.exec(match[2]!)?.[1]?.trim();
    if (label) forms.set(label, new URL(match[1]!.replaceAll('&amp;', '&'), pageUrl).href);
  }
  return forms;
}

/** `<leadId>-<attempt>-<effectId>`, the SLA timer's execution name (see `timerExecutionName`). */
const EXECUTION_NAME = /^([0-9a-f-]{36})-(\d+)-([0-9a-z]+-[0-9a-f]{8})$/;
export function parseExecutionName(name: string): { leadId: string; attempt: number; effectId: string } | undefined {
  const match = EXECUTION_NAME.exec(name);
  return match ? { leadId: match[1]!, attempt: Number(match[2]), effectId: match[3]! } : undefined;
}

/** Every effect record, the leads' and the reps'. */
export const allEffectsOf = (snapshot: Snapshot): EffectItem[] => [...snapshot.effects.values(), ...snapshot.repEffects.values()].flat();

/** History events that give a lead a new owner in a new attempt. */
const TAKING_EVENTS: ReadonlySet<string> = new Set(['offered', 'assigned', 'claimed', 'pulled']);
const HELD: ReadonlySet<string> = new Set(['OFFERED', 'ACCEPTED', 'CONTACTED']);
const CHANGED = 'changed since the last look';
/** How far off a running timer's contact deadline must be for the lead to count as waiting, not in flight. */
const LONG_WAIT_MS = 30_000;

const attemptOf = (event: EventItem) => (typeof event.detail?.attempt === 'number' ? event.detail.attempt : undefined);
const repOf = (event: EventItem) => (typeof event.detail?.repId === 'string' ? event.detail.repId : undefined);

/**
 * Why the system is not quiet yet, empty once it is: every posted lead stored and past routing,
 * every effect done, no SLA timer running but those that wait minutes for a far deadline, and
 * nothing changed since the previous look (`previous` keeps the last fingerprint).
 */
export function unsettled(snapshot: Snapshot, posted: readonly Posted[], previous: { fingerprint?: string }, now = Date.now()): string[] {
  const reasons: string[] = [];
  const missing = posted.filter((lead) => !snapshot.leads.has(lead.id)).length;
  if (missing) reasons.push(`${missing} posted leads not stored`);
  const routing = [...snapshot.leads.values()].filter((lead) => lead.status === 'RECEIVED').length;
  if (routing) reasons.push(`${routing} leads waiting for routing`);
  const open = allEffectsOf(snapshot).filter((effect) => effect.status !== 'done');
  if (open.length) reasons.push(`${open.length} effects not done (${[...new Set(open.map((effect) => `${effect.purpose}:${effect.status}`))].join(', ')})`);
  const running = snapshot.executions.filter((execution) => {
    if (execution.status !== 'RUNNING') return false;
    const lead = snapshot.leads.get(parseExecutionName(execution.name)?.leadId ?? '');
    return !lead || Date.parse(lead.contactDeadline) - now < LONG_WAIT_MS;
  }).length;
  if (running) reasons.push(`${running} SLA timers still due to act`);
  const fingerprint = JSON.stringify([
    [...snapshot.leads.values()].map((lead) => `${lead.id}:${lead.status}:${lead.attempt}`).sort(),
    allEffectsOf(snapshot).length,
    snapshot.inbox.length,
    snapshot.executions.map((execution) => `${execution.name}:${execution.status}`).sort(),
  ]);
  if (previous.fingerprint !== fingerprint) reasons.push(CHANGED);
  previous.fingerprint = fingerprint;
  return reasons;
}

/**
 * Waits until `unsettled` finds nothing (and the reps, if given, have nothing left to do). When
 * that does not happen in time, the failure names what was still moving and every invariant
 * already broken, such as an effect that is neither done, nor due again, nor in the DLQ.
 */
export async function expectQuiet(
  h: FaultyStack,
  posted: readonly Posted[],
  options: { readonly within: number; readonly timeScale: number; readonly busy?: () => boolean },
): Promise<void> {
  const previous: { fingerprint?: string } = {};
  try {
    await expect
      .poll(async () => (options.busy?.() ? ['the reps are still acting'] : unsettled(await h.snapshot(), posted, previous)), { timeout: options.within, interval: 1_000 })
      .toEqual([]);
  } catch (error) {
    const snapshot = await h.snapshot();
    const broken = violations(snapshot, posted, { claimsOf: (url) => h.claimsOf(url), timeScale: options.timeScale });
    const moving = unsettled(snapshot, posted, {}).filter((reason) => reason !== CHANGED);
    throw new Error(`not quiet within ${options.within} ms: ${moving.join('; ') || 'still changing'}\n${broken.join('\n')}`, { cause: error });
  }
}

/**
 * Every way the snapshot breaks a promise of the outbox, the lifecycle or the sweeper, one line
 * each (empty: none). Called once the system is quiet.
 * - No lead lost: each posted lead is stored and OFFERED (its offer email sent and its current
 *   attempt's timer running), ACCEPTED, CONTACTED or CLOSED, QUEUED (its desk's manager told
 *   by a notice within the cool-down covering it, a timer of its attempt started) or NURTURE
 *   (marketing told).
 * - No double assignment: no attempt of a lead was offered, claimed, pulled or assigned twice;
 *   and no timer lost: each such attempt has an SLA timer execution, running or finished.
 * - No rep over capacity, and each rep's `openLeads` equals the leads they hold.
 * - Every effect performed exactly once: every effect record done, a lead's or a rep's; the
 *   inbox holds exactly one email per email effect performed (none for one suppressed by its
 *   cool-down), one offer email per offered attempt, to its rep; exactly one timer execution
 *   per timer effect.
 */
export function violations(snapshot: Snapshot, posted: readonly Posted[], { claimsOf, timeScale }: { claimsOf: (url: string) => LinkClaims; timeScale: number }): string[] {
  const found: string[] = [];
  const noticeCooldownMs = minutesToMs(QUEUE_NOTICE_COOLDOWN_MINUTES, timeScale);
  const teams = new Map(config.routing.teams.map((team) => [team.id, team]));
  const allEffects = allEffectsOf(snapshot);
  const emailsTo = (to: string, subject: (s: string) => boolean) => snapshot.inbox.filter((email) => email.destination.to.includes(to) && subject(email.subject));
  const timersOf = (leadId: string, attempt: number) =>
    snapshot.executions.filter((execution) => {
      const parsed = parseExecutionName(execution.name);
      return parsed?.leadId === leadId && parsed.attempt === attempt;
    });
  const stuck = (effect: EffectItem) =>
    `${effect.purpose} effect ${effect.id} is ${effect.status} after ${effect.attempts} tries and ${effect.rearms ?? 0} re-arms` +
    `${effect.gsi3sk ? `, due again ${effect.gsi3sk.slice(0, 24)}${Date.parse(effect.gsi3sk.slice(0, 24)) < Date.now() ? ' (overdue)' : ''}` : ', in no due index'}${effect.lastError ? `, last error ${effect.lastError}` : ''}` +
    ` (effects DLQ holds ${snapshot.dlq.effects} failure records)`;

  // Offer emails, by the lead attempt and rep their links are signed for.
  const offers = new Map<string, SentEmail[]>();
  for (const email of snapshot.inbox) {
    const accept = linkIn(email, 'Accept lead');
    if (!accept || !email.subject.startsWith('New ')) continue;
    const claims = claimsOf(accept);
    const key = `${claims.leadId}#${claims.attempt}#${claims.repId}`;
    offers.set(key, [...(offers.get(key) ?? []), email]);
  }
  const offered = new Set<string>();

  for (const { id, name } of posted) {
    const lead = snapshot.leads.get(id);
    if (!lead) {
      found.push(`${name} (${id}) was taken (202) but is not stored`);
      continue;
    }
    const label = `${name} (${lead.status}, attempt ${lead.attempt})`;
    const events = snapshot.events.get(id) ?? [];
    const taking = events.filter((event) => TAKING_EVENTS.has(event.kind));
    const attempts = taking.map(attemptOf);
    const twice = attempts.filter((attempt, i) => attempts.indexOf(attempt) !== i);
    if (twice.length) found.push(`${label}: attempt ${twice.join(', ')} given to more than one rep (${taking.map((e) => `${e.kind} ${attemptOf(e)} to ${repOf(e)}`).join('; ')})`);
    const current = taking.find((event) => attemptOf(event) === lead.attempt);
    if (HELD.has(lead.status) && (!current || repOf(current) !== lead.ownerId)) {
      found.push(`${label}: held by ${lead.ownerId} but its history gives attempt ${lead.attempt} to ${current ? repOf(current) : 'nobody'}`);
    }
    for (const event of taking.filter((e) => e.kind === 'offered' || e.kind === 'assigned')) offered.add(`${id}#${attemptOf(event)}#${repOf(event)}`);
    for (const attempt of new Set(attempts)) {
      if (attempt !== undefined && timersOf(id, attempt).length === 0) found.push(`${label}: attempt ${attempt} was given to a rep, but no SLA timer was started for it`);
    }

    switch (lead.status) {
      case 'OFFERED': {
        const owner = lead.ownerId ?? '(nobody)';
        if (!offers.has(`${id}#${lead.attempt}#${owner}`)) found.push(`${label}: offered to ${owner}, whose inbox has no offer email for this attempt`);
        if (!timersOf(id, lead.attempt).some((execution) => execution.status === 'RUNNING')) {
          found.push(`${label}: no SLA timer running for its current attempt (${timersOf(id, lead.attempt).map((e) => e.status).join(', ') || 'none started'})`);
        }
        break;
      }
      case 'ACCEPTED':
      case 'CONTACTED':
        if (timersOf(id, lead.attempt).length === 0) found.push(`${label}: no SLA timer was started for its current attempt`);
        break;
      case 'CLOSED':
        break;
      case 'QUEUED': {
        // Told once per cool-down: the notice that covers this lead is its own, or one that took
        // the team's window at most a cool-down before this lead joined the queue.
        const team = teams.get(lead.teamId ?? '');
        const queuedAt = Date.parse(events.findLast((event) => event.kind === 'queued')?.at ?? '');
        const covering = allEffects.filter(
          (effect) =>
            effect.purpose === 'queue-notice' &&
            effect.status === 'done' &&
            !effect.suppressed &&
            effect.action.kind === 'email' &&
            effect.action.email.to === team?.managerEmail &&
            Date.parse(effect.doneAt ?? '') >= queuedAt - noticeCooldownMs,
        );
        if (!team) found.push(`${label}: queued for an unknown team ${lead.teamId}`);
        else if (emailsTo(team.managerEmail, (subject) => subject.startsWith(`Waiting in the ${team.name} queue: `)).length === 0) {
          found.push(`${label}: waits in the ${team.name} queue, but its manager was never told of a queued lead`);
        } else if (covering.length === 0) {
          found.push(`${label}: waits in the ${team.name} queue since ${new Date(queuedAt).toISOString()}, but no queue notice went out within the cool-down before`);
        }
        if (timersOf(id, lead.attempt).length === 0) found.push(`${label}: no SLA timer was started for its current attempt`);
        break;
      }
      case 'NURTURE': {
        const marketing = config.routing.marketing?.email ?? '(no marketing address)';
        if (emailsTo(marketing, (subject) => subject.startsWith(`Lead for nurturing: ${name} `)).length !== 1) found.push(`${label}: marketing did not get exactly one nurture email`);
        break;
      }
      default:
        found.push(`${label}: ended neither offered, accepted, contacted, closed, queued nor nurtured`);
    }
    for (const effect of snapshot.effects.get(id) ?? []) if (effect.status !== 'done') found.push(`${label}: ${stuck(effect)}`);
  }
  // What reps' own account changes left to be done must be done too.
  for (const [repId, effects] of snapshot.repEffects) for (const effect of effects) if (effect.status !== 'done') found.push(`rep ${repId}: ${stuck(effect)}`);

  // Reps: within capacity, and counting exactly the leads they hold.
  const held = new Map<string, number>();
  for (const lead of snapshot.leads.values()) if (HELD.has(lead.status) && lead.ownerId) held.set(lead.ownerId, (held.get(lead.ownerId) ?? 0) + 1);
  for (const rep of snapshot.reps.values()) {
    if (rep.openLeads > rep.capacity) found.push(`rep ${rep.id} has ${rep.openLeads} open leads, above capacity ${rep.capacity}`);
    if (rep.openLeads !== (held.get(rep.id) ?? 0)) found.push(`rep ${rep.id} counts ${rep.openLeads} open leads but holds ${held.get(rep.id) ?? 0}`);
  }

  // Emails: exactly one in the inbox per email effect performed, none for a suppressed one.
  const expected = new Map<string, number>();
  for (const effect of allEffects) {
    if (effect.action.kind !== 'email' || effect.status !== 'done' || effect.suppressed) continue;
    const key = `${effect.action.email.to} | ${effect.action.email.subject}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  const sent = new Map<string, number>();
  for (const email of snapshot.inbox) for (const to of email.destination.to) sent.set(`${to} | ${email.subject}`, (sent.get(`${to} | ${email.subject}`) ?? 0) + 1);
  for (const key of new Set([...expected.keys(), ...sent.keys()])) {
    const want = expected.get(key) ?? 0;
    const got = sent.get(key) ?? 0;
    if (want !== got) found.push(`email "${key}": ${got} in the inbox, ${want} recorded as performed`);
  }
  for (const [key, emails] of offers) {
    if (emails.length !== 1) found.push(`offer ${key}: ${emails.length} offer emails for one attempt`);
    if (!offered.has(key)) found.push(`offer ${key}: an offer email for an attempt its lead's history never offered`);
  }
  for (const key of offered) if (!offers.has(key)) found.push(`offer ${key}: offered in the history, but no offer email was sent for it`);

  // Timers: exactly one execution per timer effect, under the effect's own name, and none without one.
  const timerEffects = new Map(allEffects.filter((effect) => effect.action.kind === 'timer').map((effect) => [effect.id, effect]));
  const executionsByEffect = new Map<string, Execution[]>();
  for (const execution of snapshot.executions) {
    const effectId = parseExecutionName(execution.name)?.effectId ?? `(unparsable name ${execution.name})`;
    executionsByEffect.set(effectId, [...(executionsByEffect.get(effectId) ?? []), execution]);
    if (!timerEffects.has(effectId)) found.push(`execution ${execution.name} belongs to no sla-timer effect`);
  }
  for (const effect of timerEffects.values()) {
    if (effect.action.kind !== 'timer') continue;
    const runs = executionsByEffect.get(effect.id) ?? [];
    const name = timerExecutionName({ id: effect.id, action: effect.action });
    if (runs.length !== 1 || runs[0]!.name !== name) found.push(`sla-timer effect ${effect.id} of ${ownerLabel(effect)} has ${runs.length} executions (${runs.map((run) => run.name).join(', ') || 'none'}), expected one named ${name}`);
  }
  return found;
}

/** How many of each history kind the run produced: what the scenario really exercised. */
export function historyKinds(snapshot: Snapshot): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of [...snapshot.events.values()].flat()) counts[event.kind] = (counts[event.kind] ?? 0) + 1;
  return counts;
}
