import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import type { FaultKind, FaultService } from '../support/fault-proxy.ts';
import {
  expectQuiet,
  formsOf,
  historyKinds,
  leadAddress,
  leadFields,
  leadName,
  linkIn,
  managerOf,
  nameIn,
  REP_IDS,
  startFaultyStack,
  violations,
  type Desk,
  type FaultyStack,
  type Posted,
  type RepId,
  type SentEmail,
  type Tier,
} from './fault-harness.ts';
import { callers, RUNTIME_CALLS } from './proxied-stack.ts';

/**
 * A property test over fault schedules: fast-check generates which calls of which service fail
 * how (throttled, a 5xx, or no answer until the client's timeout), for which leads, while 200
 * leads are posted and reps act on them as generated (accept, contact, win or lose, pass,
 * ignore, hand back, claim from the queue by link or by pulling in the portal, a manager
 * assigning by hand). Once everything is quiet, the invariants of fault-harness.ts must hold:
 * no lead lost, none assigned twice, no rep overfilled or miscounted, every effect performed
 * exactly once. Each run starts a stack of its own (about 10 s), so one run is the default;
 * FC_NUM_RUNS runs more, FC_SEED (and FC_PATH) replay a reported failure.
 *
 * At TIME_SCALE 120 a hot lead has 2 s to be accepted, is reminded after 6 s and escalated after
 * 10 s; a warm lead has 5 minutes for both, so one nobody answers waits, offered, with its timer
 * running. The sweeper runs once a second (the local scheduler fires a rule at most that often).
 */

const TIME_SCALE = 120;
const LEADS = 200;
/** Up to 20 leads a second; at most 8 posts wait for an answer, so a slow webhook slows the sender down. */
const POST_GAP_MS = 50;
const MAX_IN_FLIGHT = 8;
const REP_CAPACITY = 12;
/** Long enough for a claimed effect whose performer died to be re-armed after its 15 s lease. */
const QUIET_WITHIN_MS = 45_000;

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 1);
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const PATH = process.env.FC_PATH;

/** What the rep a lead is offered to does with the offer of one attempt. */
type OfferResponse = 'accept' | 'contacted' | 'won' | 'lost' | 'pass' | 'ignore' | 'release';

interface LeadPlan {
  readonly tier: Tier;
  readonly desk: Desk;
  /** The response to the offer of attempt n is `responses[(n - 1) % 4]`. */
  readonly responses: readonly OfferResponse[];
  /** Invited to claim it: nobody, the first invitee to read the email, or every invitee at once. */
  readonly claim: 'none' | 'first' | 'all';
  /** After claiming or pulling it. */
  readonly afterClaim: 'keep' | 'contacted' | 'won';
}

/** The operations the functions call, by service, as the fault proxy names them. */
const OPERATIONS: readonly { readonly service: FaultService; readonly operation: string }[] = [
  ...['TransactWriteItems', 'UpdateItem', 'GetItem', 'Query'].map((operation) => ({ service: 'dynamodb' as const, operation })),
  { service: 'sqs', operation: 'SendMessage' },
  { service: 'ses', operation: 'SendEmail' },
  { service: 'sfn', operation: 'StartExecution' },
];

/** The lead's own calls (its id is in their keys, bodies, SES tags and execution names), from its 202 on. */
interface LeadFault {
  readonly target: 'lead';
  readonly lead: number;
  readonly service: FaultService;
  readonly operation: string;
  readonly kind: FaultKind;
  readonly times: number;
}
/** The webhook's write of the lead itself: the sender gets a 5xx and retries with its Idempotency-Key. */
interface IntakeFault {
  readonly target: 'intake';
  readonly lead: number;
  readonly kind: FaultKind;
  readonly times: number;
}
/** The nth call of the operation from the moment lead `at` is posted, whoever makes it. */
interface AnyFault {
  readonly target: 'any';
  readonly at: number;
  readonly service: FaultService;
  readonly operation: string;
  readonly kind: FaultKind;
  readonly nth: number;
}
type Fault = LeadFault | IntakeFault | AnyFault;

interface Scenario {
  readonly leads: readonly LeadPlan[];
  readonly faults: readonly Fault[];
  /** Before lead `at` is posted (after all are, for `at` ≥ 200), the rep pulls the next lead in the portal. */
  readonly pulls: readonly { readonly at: number; readonly rep: RepId }[];
  /** Before lead `at` is posted, the desk's manager assigns the oldest queued lead to the rep. */
  readonly assigns: readonly { readonly at: number; readonly desk: Desk; readonly rep: number }[];
}

const responseArb = fc.constantFrom<OfferResponse>('accept', 'contacted', 'won', 'lost', 'pass', 'ignore', 'release');
const leadPlanArb: fc.Arbitrary<LeadPlan> = fc.record({
  tier: fc.constantFrom<Tier>('hot', 'hot', 'hot', 'warm', 'warm', 'cold'),
  desk: fc.constantFrom<Desk>('north', 'south'),
  responses: fc.array(responseArb, { minLength: 4, maxLength: 4 }),
  claim: fc.constantFrom('none', 'first', 'all'),
  afterClaim: fc.constantFrom('keep', 'contacted', 'won'),
});
// Timeouts are rarer: each holds a function for the client's 3 × 2.5 s.
const kindArb = fc.constantFrom<FaultKind>('throttle', 'throttle', 'server-error', 'server-error', 'timeout');
const operationArb = fc.constantFrom(...OPERATIONS);
// No call chain fails more than three times in a row: a targeted fault fails at most two
// consecutive calls (one for a timeout, which already costs seconds), an untargeted one a single
// call. Beyond that an email whose sending succeeded but whose mark-done failed four times is
// sent again: at-least-once is all an outbox can promise there.
const timesArb = (kind: FaultKind) => (kind === 'timeout' ? fc.constant(1) : fc.integer({ min: 1, max: 2 }));
const leadFaultArb: fc.Arbitrary<LeadFault> = fc
  .tuple(fc.nat(LEADS - 1), operationArb, kindArb)
  .chain(([lead, { service, operation }, kind]) => timesArb(kind).map((times) => ({ target: 'lead' as const, lead, service, operation, kind, times })));
const intakeFaultArb: fc.Arbitrary<IntakeFault> = fc
  .tuple(fc.nat(LEADS - 1), kindArb)
  .chain(([lead, kind]) => timesArb(kind).map((times) => ({ target: 'intake' as const, lead, kind, times })));
const anyFaultArb: fc.Arbitrary<AnyFault> = fc
  .tuple(fc.nat(LEADS - 1), operationArb, kindArb, fc.integer({ min: 1, max: 25 }))
  .map(([at, { service, operation }, kind, nth]) => ({ target: 'any' as const, at, service, operation, kind, nth }));

/**
 * Early leads every rep of their desk passes on, and pulls once they wait: whatever else is
 * generated, the North desk opens one to claiming by link and the South desk queues one for a pull.
 */
const EVERYONE_PASSES: readonly { readonly lead: number; readonly desk: Desk }[] = [
  { lead: 10, desk: 'north' },
  { lead: 11, desk: 'north' },
  { lead: 12, desk: 'south' },
  { lead: 13, desk: 'south' },
];
const PULLS_ONCE_QUEUED: readonly { readonly desk: Desk; readonly rep: RepId }[] = [
  { desk: 'south', rep: 's1' },
  { desk: 'south', rep: 's2' },
];

function withEveryPath(scenario: Scenario): Scenario {
  const leads = [...scenario.leads];
  for (const { lead, desk } of EVERYONE_PASSES) {
    const plan = leads[lead]!;
    leads[lead] = { ...plan, tier: 'hot', desk, responses: ['pass', 'pass', 'pass', 'pass'], claim: plan.claim === 'none' ? 'first' : plan.claim };
  }
  return { ...scenario, leads };
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  leads: fc.array(leadPlanArb, { minLength: LEADS, maxLength: LEADS }),
  faults: fc
    .tuple(
      // One targeted fault per lead.
      fc.uniqueArray(leadFaultArb, { minLength: 15, maxLength: 30, selector: (fault) => fault.lead }),
      fc.uniqueArray(intakeFaultArb, { minLength: 2, maxLength: 6, selector: (fault) => fault.lead }),
      fc.array(anyFaultArb, { minLength: 5, maxLength: 15 }),
    )
    .map(([lead, intake, any]): Fault[] => [...lead, ...intake, ...any]),
  // In the second half, when capacity has run out and queues have formed.
  pulls: fc.array(fc.record({ at: fc.integer({ min: LEADS / 2, max: LEADS + 10 }), rep: fc.constantFrom(...REP_IDS) }), { minLength: 5, maxLength: 20 }),
  assigns: fc.array(fc.record({ at: fc.integer({ min: LEADS / 2, max: LEADS - 1 }), desk: fc.constantFrom<Desk>('north', 'south'), rep: fc.nat(2) }), { maxLength: 6 }),
}).map(withEveryPath);

const REPS: ReadonlySet<string> = new Set(REP_IDS);

interface Answer {
  readonly status: number;
  readonly text: string;
}

/**
 * The reps and managers: they read the inbox a few times a second and do what each lead's plan
 * says, through the links in the emails and the portal, as people would. A 5xx is clicked again
 * (people retry); a 409 means the lead moved on. Whatever else comes back is recorded as an error.
 */
class Reps {
  readonly #h: FaultyStack;
  readonly #plans: ReadonlyMap<string, LeadPlan>;
  readonly #ids: ReadonlyMap<string, string>;
  readonly #pending = new Set<Promise<void>>();
  readonly #seen = new Set<string>();
  readonly #invites = new Set<string>();
  #since: number | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;
  readonly outcomes: Record<string, number> = {};
  readonly errors: string[] = [];

  constructor(h: FaultyStack, plans: ReadonlyMap<string, LeadPlan>, ids: ReadonlyMap<string, string>) {
    this.#h = h;
    this.#plans = plans;
    this.#ids = ids;
  }

  start(): void {
    this.#loop = (async () => {
      while (!this.#stopped) {
        await this.#read().catch((error: unknown) => this.errors.push(`reading the inbox: ${String(error)}`));
        await sleep(150);
      }
    })();
  }

  busy(): boolean {
    return this.#pending.size > 0;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
    await Promise.all(this.#pending);
  }

  pull(repId: RepId): void {
    this.#track(`pull by ${repId}`, async () => {
      const answer = await this.#portal(repId, '/portal/next');
      const name = answer.text.includes('This lead is yours') ? nameIn(/<h2>([^<]*)<\/h2>/.exec(answer.text)?.[1] ?? '') : undefined;
      const plan = name === undefined ? undefined : this.#plans.get(name);
      const leadId = name === undefined ? undefined : this.#ids.get(name);
      if (!plan || !leadId) return this.#count(answer.text.includes('The queue is empty') ? 'pull-empty' : 'pull-full');
      this.#count('pulled');
      if (plan.afterClaim === 'keep') return;
      if ((await this.#myLead(repId, leadId, 'contacted')).status !== 303) return this.#count('stale');
      this.#count('contacted');
      if (plan.afterClaim === 'won' && (await this.#myLead(repId, leadId, 'won')).status === 303) this.#count('closed');
    });
  }

  /**
   * As soon as the desk's queue holds a lead (the passed-on early ones get there after four
   * offers, however long those take), the rep pulls the next lead.
   */
  pullOnceQueued(desk: Desk, repId: RepId): void {
    this.#track(`pull by ${repId} once ${desk} has a queue`, async () => {
      await vi.waitFor(
        async () => {
          if ((await this.#h.teamQueue(desk)).length === 0) throw new Error(`nothing waits in the ${desk} queue yet`);
        },
        // As long as the posting and the quiet wait may take on a busy machine.
        { timeout: 120_000, interval: 250 },
      );
      this.pull(repId);
    });
  }

  assign(desk: Desk, repIndex: number): void {
    const repId = REP_IDS.filter((id) => id.startsWith(desk[0]!))[repIndex]!;
    this.#track(`assign to ${repId}`, async () => {
      // The manager picks the oldest lead of the queue the team page shows.
      const [leadId] = await this.#h.teamQueue(desk);
      if (!leadId) return this.#count('assign-empty');
      const answer = await this.#portal(managerOf(desk), `/portal/team/leads/${leadId}/assign`, { repId });
      this.#count(answer.status === 303 ? 'assigned' : 'assign-refused');
    });
  }

  async #read(): Promise<void> {
    const emails = await this.#h.inbox(this.#since === undefined ? undefined : this.#since - 1);
    for (const email of emails) {
      if (this.#seen.has(email.messageId)) continue;
      this.#seen.add(email.messageId);
      this.#since = Math.max(this.#since ?? 0, email.at);
      this.#handle(email);
    }
  }

  #handle(email: SentEmail): void {
    const name = nameIn(email.subject);
    const plan = name === undefined ? undefined : this.#plans.get(name);
    if (!plan) return;
    if (email.subject.startsWith('New ')) {
      const accept = linkIn(email, 'Accept lead');
      const pass = linkIn(email, 'Pass to someone else');
      if (!accept || !pass) return void this.errors.push(`offer "${email.subject}" lacks its links`);
      const claims = this.#h.claimsOf(accept);
      const response = plan.responses[(claims.attempt - 1) % plan.responses.length]!;
      this.#track(`${response} ${name} attempt ${claims.attempt}`, () => this.#respond(response, accept, pass, claims.repId, claims.leadId));
    } else if (email.subject.startsWith('Open to ') && plan.claim !== 'none') {
      const claim = linkIn(email, 'Claim lead');
      if (!claim) return void this.errors.push(`invitation "${email.subject}" lacks its claim link`);
      const claims = this.#h.claimsOf(claim);
      // A manager is invited too (at capacity 0, as every rep who could claim later), but takes no leads.
      if (!REPS.has(claims.repId)) return;
      const key = `${claims.leadId}#${claims.attempt}`;
      if (plan.claim === 'first' && this.#invites.has(key)) return;
      this.#invites.add(key);
      this.#track(`claim ${name} by ${claims.repId}`, async () => {
        const claimed = await this.#click(claim);
        if (claimed.status !== 200) return this.#count('claim-lost');
        this.#count('claimed');
        await this.#followUp(claimed, claim, plan.afterClaim);
      });
    }
  }

  async #respond(response: OfferResponse, accept: string, pass: string, repId: string, leadId: string): Promise<void> {
    if (response === 'ignore') return this.#count('ignored');
    if (response === 'pass') return this.#count((await this.#click(pass, 'reason=Fully+booked')).status === 200 ? 'passed' : 'stale');
    const accepted = await this.#click(accept);
    if (accepted.status !== 200) return this.#count('stale');
    this.#count('accepted');
    if (response === 'release') return this.#count((await this.#myLead(repId, leadId, 'release')).status === 303 ? 'released' : 'stale');
    await this.#followUp(accepted, accept, response === 'accept' ? 'keep' : response);
  }

  /** From the page an accept or claim answered with: "I contacted them", then Won or Lost. */
  async #followUp(page: Answer, pageUrl: string, until: 'keep' | 'contacted' | 'won' | 'lost'): Promise<void> {
    if (until === 'keep') return;
    const contactedUrl = formsOf(page.text, pageUrl).get('I contacted them');
    if (!contactedUrl) return void this.errors.push(`no "I contacted them" button on ${pageUrl}`);
    const contacted = await this.#click(contactedUrl);
    if (contacted.status !== 200) return this.#count('stale');
    this.#count('contacted');
    if (until === 'contacted') return;
    const closeUrl = formsOf(contacted.text, contactedUrl).get(until === 'won' ? 'Won' : 'Lost');
    if (!closeUrl) return void this.errors.push(`no ${until} button on ${contactedUrl}`);
    this.#count((await this.#click(closeUrl)).status === 200 ? 'closed' : 'stale');
  }

  #click(url: string, form = ''): Promise<Answer> {
    return this.#retrying(url, () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form, signal: AbortSignal.timeout(30_000) }));
  }

  #portal(repId: string, path: string, form?: Record<string, string>): Promise<Answer> {
    return this.#retrying(path, () => this.#h.portal(repId, path, form));
  }

  /** An action on one of the rep's leads in the portal; 403: a manager gave it to someone else meanwhile. */
  #myLead(repId: string, leadId: string, action: 'contacted' | 'won' | 'release'): Promise<Answer> {
    const path = `/portal/leads/${leadId}/${action}`;
    return this.#retrying(path, () => this.#h.portal(repId, path), [403]);
  }

  /** People click again when a page fails; anything but a success or "moved on" is an error. */
  async #retrying(what: string, send: () => Promise<Response>, movedOn: readonly number[] = []): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      const answer = await send().then(
        async (response) => ({ status: response.status, text: await response.text() }),
        (error: unknown) => ({ status: 0, text: String(error) }),
      );
      if (answer.status === 200 || answer.status === 303 || answer.status === 409 || movedOn.includes(answer.status)) return answer;
      if ((answer.status !== 0 && answer.status < 500) || attempt >= 6) {
        this.errors.push(`${what} answered ${answer.status} after ${attempt} tries: ${answer.text.slice(0, 200)}`);
        return answer;
      }
      await sleep(300 * attempt);
    }
  }

  #track(what: string, action: () => Promise<void>): void {
    const run = action()
      .catch((error: unknown) => void this.errors.push(`${what}: ${String(error)}`))
      .finally(() => this.#pending.delete(run));
    this.#pending.add(run);
  }

  #count(outcome: string): void {
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
  }
}

/** One scenario on a stack of its own: post, act, wait until quiet, check. */
async function runScenario(scenario: Scenario): Promise<void> {
  const startedAt = Date.now();
  const h = await startFaultyStack(TIME_SCALE);
  try {
    await h.addReps(REP_CAPACITY);
    const plans = new Map(scenario.leads.map((plan, i) => [leadName(i), plan]));
    const ids = new Map<string, string>();
    const reps = new Reps(h, plans, ids);
    reps.start();
    for (const { desk, rep } of PULLS_ONCE_QUEUED) reps.pullOnceQueued(desk, rep);
    const readyAt = Date.now();

    const posted: Posted[] = [];
    const posts = new Set<Promise<void>>();
    for (let i = 0; i < LEADS; i++) {
      for (const fault of scenario.faults) {
        if (fault.target === 'any' && fault.at === i) h.proxies[fault.service].fail({ operation: fault.operation, kind: fault.kind, nth: fault.nth });
        if (fault.target === 'intake' && fault.lead === i) h.proxies.dynamodb.fail({ operation: 'TransactWriteItems', match: leadAddress(i), kind: fault.kind, times: fault.times });
      }
      for (const pull of scenario.pulls) if (pull.at === i) reps.pull(pull.rep);
      for (const assign of scenario.assigns) if (assign.at === i) reps.assign(assign.desk, assign.rep);
      while (posts.size >= MAX_IN_FLIGHT) await Promise.race(posts);
      const plan = scenario.leads[i]!;
      const post: Promise<void> = h
        .post(leadFields(i, plan.tier, plan.desk), `schedule-lead-${i}`)
        .then((id) => {
          ids.set(leadName(i), id);
          posted.push({ id, name: leadName(i), tier: plan.tier });
          // From its 202 on, the lead's own calls carry its id (keys, bodies, SES tags, execution names).
          for (const fault of scenario.faults) {
            if (fault.target === 'lead' && fault.lead === i) h.proxies[fault.service].fail({ operation: fault.operation, match: id, kind: fault.kind, times: fault.times });
          }
        })
        .finally(() => posts.delete(post));
      posts.add(post);
      await sleep(POST_GAP_MS);
    }
    for (const pull of scenario.pulls.filter((p) => p.at >= LEADS).sort((a, b) => a.at - b.at)) {
      reps.pull(pull.rep);
      await sleep(300);
    }
    await Promise.all(posts);
    const postedAt = Date.now();

    await expectQuiet(h, posted, { within: QUIET_WITHIN_MS, timeScale: TIME_SCALE, busy: () => reps.busy() });
    const quietAt = Date.now();
    await reps.stop();

    const snapshot = await h.snapshot();
    expect(reps.errors).toEqual([]);
    expect(violations(snapshot, posted, { claimsOf: (url) => h.claimsOf(url), timeScale: TIME_SCALE })).toEqual([]);
    // Every call a function made is one its role in the synthesized stack allows: the emulators
    // check no permission, so a grant narrower than the code shows here or first on AWS.
    const access = h.access();
    expect(access.refused).toEqual([]);
    expect(access.unattributed).toEqual(RUNTIME_CALLS);
    expect(callers(access)).toEqual(expect.arrayContaining(['ActionsFunction', 'EffectsFunction', 'EscalateFunction', 'IngestFunction', 'PortalFunction', 'RouteFunction', 'SweeperFunction']));

    // The run really exercised what it claims to: faults reached the functions, and the leads
    // went every way the lifecycle allows.
    const failed = Object.entries(h.proxies).flatMap(([service, proxy]) => proxy.calls.filter((call) => call.failed).map((call) => `${service}:${call.operation}:${call.failed}`));
    const kinds = historyKinds(snapshot);
    const statuses: Record<string, number> = {};
    for (const lead of snapshot.leads.values()) statuses[lead.status] = (statuses[lead.status] ?? 0) + 1;
    const tally = (list: readonly string[]) => Object.entries(Object.fromEntries([...new Set(list)].map((k) => [k, list.filter((x) => x === k).length]))).map(([k, n]) => `${k}×${n}`).join(' ');
    console.info(
      `fault schedule: ${posted.length} leads; ${failed.length} failed calls (${tally(failed)}); ` +
        `stack ${((readyAt - startedAt) / 1000).toFixed(1)} s, posting ${((postedAt - readyAt) / 1000).toFixed(1)} s, quiet after ${((quietAt - postedAt) / 1000).toFixed(1)} s more\n` +
        `  statuses ${JSON.stringify(statuses)}\n  history ${JSON.stringify(kinds)}\n  reps ${JSON.stringify(reps.outcomes)}\n  DLQs ${JSON.stringify(snapshot.dlq)}`,
    );
    expect(posted).toHaveLength(LEADS);
    expect(failed.length).toBeGreaterThan(0);
    expect(Object.keys(kinds)).toEqual(
      expect.arrayContaining(['offered', 'accepted', 'contacted', 'closed', 'passed', 'offer-expired', 'released', 'queued', 'nurture', 'reminded', 'escalated']),
    );
    expect(kinds.claimed ?? 0).toBeGreaterThan(0);
    expect(kinds.pulled ?? 0).toBeGreaterThan(0);
  } finally {
    await h.stop();
  }
}

function describeFaults(scenario: Scenario | undefined): string {
  if (!scenario) return '(no counterexample)';
  return scenario.faults
    .map((fault) =>
      fault.target === 'lead'
        ? `${leadName(fault.lead)}: ${fault.service}.${fault.operation} ${fault.kind}×${fault.times}`
        : fault.target === 'intake'
          ? `${leadName(fault.lead)}: intake write ${fault.kind}×${fault.times}`
          : `from ${leadName(fault.at)}: call ${fault.nth} of ${fault.service}.${fault.operation} ${fault.kind}`,
    )
    .join('; ');
}

describe('the lead router under random fault schedules', () => {
  it(
    'given faults injected into every service while 200 leads are posted and reps act on them, when everything is quiet again, then no lead is lost, none assigned twice, no rep overfilled, and every effect performed exactly once',
    async () => {
      const details = await fc.check(
        fc.asyncProperty(scenarioArb, (scenario) => runScenario(scenario)),
        { numRuns: NUM_RUNS, endOnFailure: true, ...(SEED === undefined ? {} : { seed: SEED }), ...(PATH ? { path: PATH } : {}) },
      );
      if (details.failed) {
        const [scenario] = details.counterexample ?? [];
        const cause = details.errorInstance instanceof Error ? details.errorInstance : new Error(String(details.errorInstance));
        // Shrinking would rerun the whole stack many times; the seed replays this schedule as it was.
        throw new Error(
          `A fault schedule broke an invariant. Replay it: FC_SEED=${details.seed}${details.counterexamplePath ? ` FC_PATH=${details.counterexamplePath}` : ''} npx vitest run test/e2e/fault-schedules.test.ts\n` +
            `Faults: ${describeFaults(scenario)}\n\n${cause.message}`,
          { cause },
        );
      }
      expect(details.numRuns).toBe(NUM_RUNS);
    },
    // About a minute alone; three minutes and more with the rest of the suite on the same two cores.
    NUM_RUNS * 480_000,
  );
});
