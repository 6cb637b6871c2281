import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectQuiet, leadFields, leadName, startFaultyStack, violations, type FaultyStack, type Posted, type Tier } from './fault-harness.ts';

/**
 * SES refuses every call for 10 seconds while leads are being posted and routed. The offers
 * committed meanwhile keep their emails in the outbox; once SES answers again the relay (and,
 * for what it gave up on, the sweeper) sends each exactly once, and the timers started with
 * those offers were never held up by the failing emails.
 *
 * Nobody answers the offers: a warm lead stays offered for 5 minutes with its timer running, a
 * hot one moves on every 2 seconds (TIME_SCALE 120), so its later offers fall into the outage
 * too, and it is escalated after 10 seconds.
 */

const TIME_SCALE = 120;
const LEADS = 40;
const POST_GAP_MS = 200;
/** The outage begins once this many leads are posted, and lasts OUTAGE_MS. */
const OUTAGE_AFTER = 8;
const OUTAGE_MS = 10_000;
/** Under a minute alone; with the rest of the suite on the same two cores, two minutes and more. */
const TEST_TIMEOUT_MS = 300_000;

let h: FaultyStack;

beforeAll(async () => {
  h = await startFaultyStack(TIME_SCALE);
  await h.addReps(10);
});

afterAll(async () => {
  await h?.stop();
});

/** Hot leads early (their 10-second deadlines pass soon after the outage), a few cold ones for marketing. */
const tierOf = (i: number): Tier => (i % 10 === 9 ? 'cold' : i < 20 && i % 2 === 0 ? 'hot' : 'warm');

describe('an SES outage in the middle of a run', () => {
  it('given SES refusing every call for 10 s while leads are posted and routed, when it answers again, then every offer email is sent exactly once, no timer was lost and every effect is done', async () => {
    const posted: Posted[] = [];
    const posts: Promise<void>[] = [];
    let outageFrom = Number.POSITIVE_INFINITY;
    for (let i = 0; i < LEADS; i++) {
      if (i === OUTAGE_AFTER) {
        h.proxies.ses.outage(OUTAGE_MS);
        outageFrom = Date.now();
      }
      const tier = tierOf(i);
      posts.push(h.post(leadFields(i, tier, i % 2 ? 'south' : 'north'), `outage-lead-${i}`).then((id) => void posted.push({ id, name: leadName(i), tier })));
      await sleep(POST_GAP_MS);
    }
    await Promise.all(posts);
    const during = (at: number) => at >= outageFrom && at < outageFrom + OUTAGE_MS;

    await expectQuiet(h, posted, { within: 30_000, timeScale: TIME_SCALE });
    const snapshot = await h.snapshot();
    expect(violations(snapshot, posted, { claimsOf: (url) => h.claimsOf(url), timeScale: TIME_SCALE })).toEqual([]);

    // The outage was real: SES refused calls, offers were committed while it lasted, and their
    // emails went out on a later try than the committing function's own.
    expect(h.proxies.ses.calls.filter((call) => call.failed && during(call.at.getTime())).length).toBeGreaterThan(0);
    const offeredDuring = [...snapshot.events.values()].flat().filter((event) => event.kind === 'offered' && during(Date.parse(event.at)));
    expect(offeredDuring.length).toBeGreaterThan(0);
    const offerEffects = [...snapshot.effects.values()].flat().filter((effect) => effect.purpose === 'offer-email');
    expect(offerEffects.filter((effect) => effect.attempts > 1 || (effect.rearms ?? 0) > 0).length).toBeGreaterThan(0);
    expect(offerEffects.length).toBeGreaterThanOrEqual(posted.filter((lead) => lead.tier !== 'cold').length);
  }, TEST_TIMEOUT_MS);
});
