import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveFunctionId } from '#infra/local/invoke.ts';
import { functionNames } from '#shared/config/environment.ts';
import { signDelivery } from '#shared/ingest/signatures.ts';
import { derivedSourceSecret } from '#shared/ingest/source-secrets.ts';
import { preciseNow, repoRoot, StackRunner, type TakenEmail } from './stack-runner.ts';
import { percentiles, round1, round2 } from './stats.ts';

/**
 * Speed to lead on the local stack: a partner's server posts signed leads (HMAC, the `partner-api`
 * source of the demo stack) and each is timed from the POST to the webhook's answer (ack) and to
 * its offer email in the inbox (offer), at steady rates and in one burst, one after the other on
 * one stack, so the rates compare on the same machine within minutes. 100 reps besides the demo's
 * share the leads, as a team does.
 *
 * Steady rates post on a fixed schedule that does not wait for earlier answers (a partner's
 * server does not wait for ours); the burst posts its leads as fast as the sender's concurrency
 * lets it (at most that many requests in flight). The stack runs in a process of its own
 * (stack-process.ts), which reports each email as its SES emulator takes it; this process posts.
 * Every phase waits for its last offer (or the timeout) before the next starts.
 */

export interface SteadyPhase {
  readonly leadsPerSecond: number;
  readonly leads: number;
}

export interface SpeedToLeadOptions {
  readonly steady?: readonly SteadyPhase[];
  readonly burst?: { readonly leads: number; readonly concurrency: number };
  /** Leads before measuring, at 5 a second: code paths warm. */
  readonly warmUpLeads?: number;
  /**
   * Then a burst of leads before measuring, this many in flight: every function on a lead's path
   * scales to its concurrency, as a function that has been busy stays scaled on Lambda.
   */
  readonly warmUpBurst?: { readonly leads: number; readonly concurrency: number };
  /** Reps added to the demo team besides the demo's own. */
  readonly extraReps?: number;
  /** The stack process's lines (failures, WARN and ERROR). */
  readonly log?: (line: string) => void;
}

export interface PhaseResult {
  /** Leads per second, or `burst`. */
  readonly rate: number | 'burst';
  /** For a burst: requests in flight at most. */
  readonly concurrency?: number;
  readonly leads: number;
  /** Posts answered 202. */
  readonly accepted: number;
  readonly postingS: number;
  readonly ack: { readonly p50: number; readonly p95: number; readonly p99: number };
  readonly offer: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
  /** Posts not answered 202, and accepted leads whose offer email did not come within the timeout. */
  readonly lost: number;
  /**
   * Execution environments the phase started, by function (cold starts). Here a cold start takes
   * about half a second of the same two cores every other environment runs on; on Lambda it
   * takes its own.
   */
  readonly environmentsStarted: Readonly<Record<string, number>>;
  /** How many posts were not answered 202, by status (or the client's error code). */
  readonly refused: Readonly<Record<string, number>>;
  readonly lostIsZero: boolean;
  readonly loadAverage1m: { readonly atStart: number; readonly atEnd: number };
}

export interface SpeedToLeadResult {
  readonly source: string;
  readonly extraReps: number;
  readonly warmUpLeads: number;
  readonly warmUpBurst: { readonly leads: number; readonly concurrency: number };
  /** Execution environments by function once warmed up, when measuring began. */
  readonly environmentsWarm: Readonly<Record<string, number>>;
  readonly offerTimeoutS: number;
  readonly startupS: number;
  readonly phases: readonly PhaseResult[];
  /** Offer p95 at 20 leads/s over offer p95 at 2 leads/s, measured in this run. */
  readonly offerP95Ratio20To2: number;
}

const SOURCE_ID = 'partner-api';
/** Long enough for any offer on a loaded machine; a missing one is counted as lost, not waited for. */
const OFFER_TIMEOUT_MS = 60_000;
const DEFAULT_STEADY: readonly SteadyPhase[] = [
  { leadsPerSecond: 2, leads: 120 },
  { leadsPerSecond: 10, leads: 300 },
  { leadsPerSecond: 20, leads: 400 },
  { leadsPerSecond: 50, leads: 500 },
];

/** A warm lead for the DACH team from Hamburg, as a partner's server sends it (our flat shape). */
const leadBody = (tag: string) => ({
  firstName: 'Speed',
  lastName: tag,
  email: `${tag}@partner-leads.example.com`,
  product: 'solar',
  country: 'DE',
  postalCode: '20095',
  message: 'Roof faces south, about 40 m².',
  partnerReference: tag,
});
const TAG_IN_SUBJECT = /^New (?:\w+ )?lead: Speed (\S+)/;

/**
 * Reps of the DACH team for every postal code starting with 2, room for every lead of the run
 * among them: the most specific match for the leads, so best-match spreads them over these.
 */
const extraRep = (n: number) => ({
  id: `speed-rep-${n}`,
  name: `Speed Rep ${n}`,
  email: `speed.rep.${n}@demo.example.com`,
  teamId: 'dach-sales',
  capacity: 25,
  products: ['solar'],
  languages: ['de', 'en'],
  territory: { countries: ['DE'], postalPrefixes: ['2'] },
  timeZone: 'Europe/Berlin',
});

interface Posted {
  readonly tag: string;
  readonly startedAt: number;
  /** The answer's status, or the client's error code when there was none. */
  status?: number | string;
  ackMs?: number;
  offerMs?: number;
}

/** The partner's server: signs each body with the source's secret and posts it on a keep-alive connection. */
class Partner {
  readonly #url: URL;
  readonly #secret: string;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: Infinity });

  constructor(apiUrl: string, signingKey: string) {
    this.#url = new URL(`/sources/${SOURCE_ID}/leads`, apiUrl.replace('localhost', '127.0.0.1'));
    this.#secret = derivedSourceSecret(signingKey, SOURCE_ID);
  }

  post(posted: Posted): Promise<void> {
    const rawBody = JSON.stringify(leadBody(posted.tag));
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(rawBody)),
      ...signDelivery('lead-router', { method: 'POST', url: this.#url.href, rawBody }, this.#secret, new Date()),
    };
    return new Promise((resolve) => {
      const req = request(this.#url, { method: 'POST', agent: this.#agent, headers }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          posted.status = res.statusCode ?? 0;
          posted.ackMs = preciseNow() - posted.startedAt;
          resolve();
        });
        res.on('error', () => resolve());
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        posted.status = error.code ?? error.name;
        resolve();
      });
      req.end(rawBody);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** Offer emails by lead tag, as the stack reports them; waits for the ones of a phase. */
class Inbox {
  readonly #arrived = new Map<string, number>();
  readonly #waiting = new Map<string, () => void>();

  take(email: TakenEmail): void {
    const tag = TAG_IN_SUBJECT.exec(email.subject)?.[1];
    if (!tag || this.#arrived.has(tag)) return;
    this.#arrived.set(tag, email.at);
    this.#waiting.get(tag)?.();
  }

  /** When the offer of `tag` arrived (epoch ms), waiting for it until `deadline` at most. */
  async arrival(tag: string, deadline: number): Promise<number | undefined> {
    if (!this.#arrived.has(tag)) {
      const arrived = new Promise<void>((resolve) => this.#waiting.set(tag, resolve));
      await Promise.race([arrived, sleep(Math.max(0, deadline - preciseNow()))]);
      this.#waiting.delete(tag);
    }
    return this.#arrived.get(tag);
  }
}

/** Counts by logical id (`AdminImportsFunction4D392DAD`) as counts by the function's name in environment.ts (`admin-imports`), zeros left out. */
const byFunctionName = (byLogicalId: Readonly<Record<string, number>>): Record<string, number> =>
  Object.fromEntries(
    functionNames.flatMap((name) => {
      const n = byLogicalId[resolveFunctionId(name, Object.keys(byLogicalId)) ?? ''] ?? 0;
      return n > 0 ? [[name, n] as const] : [];
    }),
  );

const load1m = () => round2(loadavg()[0] ?? NaN);

async function runPhase(
  name: string,
  rate: number | 'burst',
  leads: number,
  post: (tags: string[], send: (tag: string) => Promise<Posted>) => Promise<Posted[]>,
  partner: Partner,
  inbox: Inbox,
  concurrency?: number,
): Promise<Omit<PhaseResult, 'environmentsStarted'>> {
  const loadAtStart = load1m();
  const tags = Array.from({ length: leads }, (_, n) => `${name}n${n}`);
  const began = preciseNow();
  const send = async (tag: string) => {
    const posted: Posted = { tag, startedAt: preciseNow() };
    await partner.post(posted);
    return posted;
  };
  const all = await post(tags, send);
  const postingS = (preciseNow() - began) / 1000;
  const deadline = preciseNow() + OFFER_TIMEOUT_MS;
  await Promise.all(
    all.map(async (posted) => {
      if (posted.status !== 202) return;
      const at = await inbox.arrival(posted.tag, Math.max(deadline, posted.startedAt + OFFER_TIMEOUT_MS));
      if (at !== undefined) posted.offerMs = at - posted.startedAt;
    }),
  );
  const accepted = all.filter((posted) => posted.status === 202);
  const ack = percentiles(accepted.map((posted) => posted.ackMs!));
  const offer = percentiles(accepted.flatMap((posted) => (posted.offerMs === undefined ? [] : [posted.offerMs])));
  const lost = all.length - accepted.filter((posted) => posted.offerMs !== undefined).length;
  const refused: Record<string, number> = {};
  for (const posted of all) if (posted.status !== 202) refused[String(posted.status)] = (refused[String(posted.status)] ?? 0) + 1;
  return {
    rate,
    ...(concurrency !== undefined ? { concurrency } : {}),
    leads,
    accepted: accepted.length,
    postingS: round1(postingS),
    ack: { p50: ack.p50, p95: ack.p95, p99: ack.p99 },
    offer: { p50: offer.p50, p95: offer.p95, p99: offer.p99, max: offer.max },
    lost,
    lostIsZero: lost === 0,
    refused,
    loadAverage1m: { atStart: loadAtStart, atEnd: load1m() },
  };
}

/** Posts on the clock, one every 1/rate s, whatever the answers. */
const steadily = (leadsPerSecond: number) => async (tags: string[], send: (tag: string) => Promise<Posted>) => {
  const gapMs = 1000 / leadsPerSecond;
  const began = performance.now();
  const sent: Promise<Posted>[] = [];
  for (const [n, tag] of tags.entries()) {
    const wait = began + n * gapMs - performance.now();
    if (wait > 0) await sleep(wait);
    sent.push(send(tag));
  }
  return Promise.all(sent);
};

/** Posts everything at once, `concurrency` requests in flight at most. */
const inBurst = (concurrency: number) => async (tags: string[], send: (tag: string) => Promise<Posted>) => {
  const queue = [...tags];
  const sent: Posted[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let tag = queue.shift(); tag !== undefined; tag = queue.shift()) sent.push(await send(tag));
    }),
  );
  return sent;
};

export async function measureSpeedToLead(options: SpeedToLeadOptions = {}): Promise<SpeedToLeadResult> {
  const steady = options.steady ?? DEFAULT_STEADY;
  const burst = options.burst ?? { leads: 500, concurrency: 50 };
  const warmUpLeads = options.warmUpLeads ?? 20;
  const warmUpBurst = options.warmUpBurst ?? { leads: 60, concurrency: 12 };
  const extraReps = options.extraReps ?? 100;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const stack = new StackRunner('speed-to-lead', repoRoot, log);
  const interrupted = () => process.exit(130);
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let partner: Partner | undefined;
  try {
    const ready = await stack.ready();
    const signingKey = Object.entries(ready.secrets).find(([id]) => id.startsWith('SourceSigningKey'))?.[1];
    if (!signingKey) throw new Error('the stack has no SourceSigningKey secret');
    const created = await stack.importReps(Array.from({ length: extraReps }, (_, n) => extraRep(n)));
    if (created !== extraReps) throw new Error(`the stack added ${created} of the ${extraReps} reps`);
    const inbox = new Inbox();
    stack.reportEmails((email) => inbox.take(email));
    partner = new Partner(ready.apiUrl, signingKey);
    const run = <T>(phase: Promise<T>) => Promise.race([phase, stack.failed]);
    let counted = await stack.environments();
    const phase = async (...args: Parameters<typeof runPhase>): Promise<PhaseResult> => {
      const result = await run(runPhase(...args));
      const before = counted;
      counted = await stack.environments();
      const started = Object.fromEntries(Object.entries(counted).map(([id, n]) => [id, n - (before[id] ?? 0)]));
      return { ...result, environmentsStarted: byFunctionName(started) };
    };

    for (const warm of [
      await phase('w', 5, warmUpLeads, steadily(5), partner, inbox),
      await phase('wb', 'burst', warmUpBurst.leads, inBurst(warmUpBurst.concurrency), partner, inbox, warmUpBurst.concurrency),
    ]) {
      if (warm.lost > 0) throw new Error(`${warm.lost} of ${warm.leads} warm-up leads got no offer email within ${OFFER_TIMEOUT_MS / 1000} s`);
    }
    const environmentsWarm = byFunctionName(counted);
    const phases: PhaseResult[] = [];
    for (const { leadsPerSecond, leads } of steady) {
      await sleep(2_000);
      phases.push(await phase(`r${leadsPerSecond}`, leadsPerSecond, leads, steadily(leadsPerSecond), partner, inbox));
    }
    await sleep(2_000);
    phases.push(await phase('b', 'burst', burst.leads, inBurst(burst.concurrency), partner, inbox, burst.concurrency));

    const at = (rate: number) => phases.find((phase) => phase.rate === rate)?.offer.p95 ?? NaN;
    return {
      source: `${SOURCE_ID} (signed, lead-router HMAC)`,
      extraReps,
      warmUpLeads,
      warmUpBurst,
      environmentsWarm,
      offerTimeoutS: OFFER_TIMEOUT_MS / 1000,
      startupS: round1(ready.startupMs / 1000),
      phases,
      offerP95Ratio20To2: round2(at(20) / at(2)),
    };
  } finally {
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    partner?.close();
    await stack.stop();
  }
}
