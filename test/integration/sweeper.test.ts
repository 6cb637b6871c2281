import { DeleteCommand, GetCommand, paginateScan, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamoDocument } from '#shared/adapters/aws-clients.ts';
import { DueIndex } from '#shared/adapters/due-index.ts';
import { EFFECT_RETRY_BUDGET_MINUTES, leadStoreFor, outboxFor, performersFromEnv } from '#shared/config/composition.ts';
import { loadRoutingSettings, requireEnv } from '#shared/config/runtime.ts';
import { RECOUNT_EVERY_MS, sweep, type SweepDeps } from '#shared/use-cases/sweep.ts';
import { useLocalStack, type LocalStackForTests } from './support.ts';

let stack: LocalStackForTests;
let tableName: string;

beforeAll(async () => {
  stack = await useLocalStack('sweeper');
  tableName = requireEnv('TABLE_NAME');
});

const MINUTE = 60_000;

/** The sweeper's use case on the adapters its handler builds, at a chosen time. */
function sweepAt(now: Date): ReturnType<typeof sweep> {
  const deps: SweepDeps = {
    leads: leadStoreFor(tableName, ['email', 'timer', 'message']),
    reps: stack.reps,
    due: new DueIndex(tableName),
    settings: loadRoutingSettings(),
    graceMs: MINUTE,
    retryBudgetMs: EFFECT_RETRY_BUDGET_MINUTES * MINUTE,
    now: () => now,
  };
  return sweep(deps);
}

const later = (ms: number) => new Date(Date.now() + ms);

/** The effect record as a fast path leaves it that claimed it and died before sending or releasing it. */
const claimedByADeadPerformer = (key: { pk: string; sk: string }, leaseUntil: string) =>
  dynamoDocument.send(
    new UpdateCommand({
      TableName: tableName,
      Key: key,
      UpdateExpression: 'SET #status = :claimed, leaseUntil = :lease',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':claimed': 'claimed', ':lease': leaseUntil },
    }),
  );

describe('the sweeper on DynamoDB Local, fauxqs, aws-ses-v2-local and the local Step Functions runtime', () => {
  it('given a lead waiting for routing for over a minute (its routing lost), when the sweeper runs, then it is sent to routing again with swept in its history, once', async () => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const leadId = await stack.receiveLead({ firstName: 'Waiting', email: 'waiting-sweep@example.com' }, team.id);
    await stack.drainRoutingQueue();

    const early = await sweepAt(later(30_000));
    const first = await sweepAt(later(MINUTE + 1_000));
    const again = await sweepAt(later(MINUTE + 2_000));

    expect(early.routed).toBe(0);
    expect(first.routed).toBeGreaterThanOrEqual(1);
    expect(again.routed).toBe(0);
    expect((await stack.drainRoutingQueue()).filter((message) => JSON.stringify(message) === JSON.stringify({ leadId }))).toHaveLength(1);
    expect((await stack.history(leadId)).map((event) => event.kind)).toEqual(['received', 'swept']);
  });

  it('given an offer past its accept window whose timer never acted, when the sweeper runs, then the offer is taken back and the lead routed again', async () => {
    const team = await stack.addTeam([{ capacity: 1 }, { capacity: 1 }]);
    const leadId = await stack.receiveLead({ firstName: 'Unwatched', email: 'unwatched@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);
    await stack.drainRoutingQueue();

    // offerTo gives it a five-minute accept window; the sweeper waits a minute of grace beyond it.
    const report = await sweepAt(later(7 * MINUTE));

    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'RECEIVED', excludedReps: [team.reps[0]!.id] });
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 0 });
    expect((await stack.history(leadId)).map((event) => [event.kind, event.actor])).toEqual([
      ['received', 'webhook'],
      ['offered', 'router'],
      ['swept', 'sweeper'],
      ['offer-expired', 'sweeper'],
    ]);
    const messages = await stack.drainRoutingQueue();
    expect(messages).toContainEqual({ leadId });
    expect(messages).toContainEqual({ drainTeam: team.id });
  });

  it('given an accepted lead past its contact deadline and never escalated, when the sweeper runs twice, then the manager is told once', async () => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const leadId = await stack.receiveLead({ firstName: 'Forgotten', lastName: 'Lead', email: 'forgotten@example.com' }, team.id);
    const offered = await stack.offerTo(leadId, team.reps[0]!.id);
    await stack.repDoes('accept', leadId, team.reps[0]!.id);
    const past = new Date(Date.parse(offered.contactDeadline) + 2 * MINUTE);

    const first = await sweepAt(past);
    const second = await sweepAt(new Date(past.getTime() + 1_000));

    expect(first.escalated).toBeGreaterThanOrEqual(1);
    expect(second.escalated).toBe(0);
    const escalations = (await stack.emailsTo(stack.managerEmail(team.id))).filter((email) => email.subject.startsWith('Not contacted in time: Forgotten Lead'));
    expect(escalations).toHaveLength(1);
    expect((await stack.history(leadId)).map((event) => event.kind)).toEqual(['received', 'offered', 'accepted', 'swept', 'escalated']);
  });

  it('given an effect its performer claimed and then died holding, when its lease and retry budget are past, then the sweeper hands it to the relay again', async () => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const leadId = await stack.receiveLead({ firstName: 'Stuck', email: 'stuck-effect@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id, { withFollowUps: true });
    const [effect] = await stack.leads.effects(leadId);
    const key = { pk: `LEAD#${leadId}`, sk: `EFFECT#${effect!.id}` };
    const leaseUntil = later(5 * MINUTE).toISOString();
    await claimedByADeadPerformer(key, leaseUntil);
    const stored = async () => (await dynamoDocument.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item!;

    // Past its retry budget but still leased: its performer may be alive, so it is only looked at again later.
    await sweepAt(later(EFFECT_RETRY_BUDGET_MINUTES * MINUTE + 1_000));
    const whileLeased = await stored();
    await sweepAt(later(6 * MINUTE));
    const afterLease = await stored();

    expect(whileLeased).toMatchObject({ status: 'claimed', leaseUntil });
    expect(String(whileLeased.gsi3sk) > leaseUntil).toBe(true);
    expect(afterLease).toMatchObject({ status: 'pending', rearms: 1 });
    expect(afterLease.leaseUntil).toBeUndefined();
    // Due again after a longer wait.
    expect(String(afterLease.gsi3sk) > later(6 * MINUTE + EFFECT_RETRY_BUDGET_MINUTES * MINUTE - 5_000).toISOString()).toBe(true);
    expect((await stack.history(leadId)).filter((event) => event.kind === 'swept' && event.detail?.effect === effect!.id)).toHaveLength(1);
  });

  it("given a rep's effect (a saved profile's queue drain) its performer claimed and then died holding, when its lease and retry budget are past, then the sweeper hands it to the relay again without a word in any lead's history, and the relay performs it once", async () => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const repId = team.reps[0]!.id;
    const drain = { drainTeam: team.id };
    await stack.reps.updateProfile(repId, { active: true, products: [], languages: [], capacity: 2, timeZone: 'UTC' }, undefined, [{ purpose: 'drain-team', action: { kind: 'message', message: drain } }]);
    const [effect] = await stack.reps.effects(repId);
    const key = { pk: `REP#${repId}`, sk: `EFFECT#${effect!.id}` };
    // Claimed by a fast path whose function died before it could send or release it.
    await claimedByADeadPerformer(key, later(MINUTE).toISOString());
    await stack.drainRoutingQueue();
    const relay = outboxFor(tableName, performersFromEnv(['message']));

    const report = await sweepAt(later(EFFECT_RETRY_BUDGET_MINUTES * MINUTE + 1_000));
    const rearmed = (await dynamoDocument.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item!;
    const [handedOver] = await stack.reps.effects(repId);
    const outcomes = [await relay.relay(handedOver!), await relay.relay(handedOver!)];

    expect(report.rearmed).toBeGreaterThanOrEqual(1);
    expect(rearmed).toMatchObject({ status: 'pending', rearms: 1, repId });
    expect(rearmed.leaseUntil).toBeUndefined();
    expect(String(rearmed.gsi3sk)).toContain(`#REP#${repId}#${effect!.id}`);
    expect(outcomes).toEqual(['performed', 'already-done']);
    expect((await stack.drainRoutingQueue()).filter((body) => JSON.stringify(body) === JSON.stringify(drain))).toHaveLength(1);
    expect((await stack.reps.effects(repId))[0]).toMatchObject({ status: 'done' });
    // A rep has no history, and no lead's history hears of their effect.
    const mentions: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client: dynamoDocument }, { TableName: tableName, ConsistentRead: true })) {
      mentions.push(...(page.Items ?? []).filter((item) => item.type === 'lead-event' && JSON.stringify(item).includes(effect!.id)));
    }
    expect(mentions).toEqual([]);
  });

  it('given an effect recorded for later, when the relay gets it before its time, then it waits; once due, the sweeper hands it to the relay, which performs it once', async () => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const leadId = await stack.receiveLead({ firstName: 'Summary', email: 'summary-later@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);
    const { lead } = await stack.repDoes('accept', leadId, team.reps[0]!.id);
    const notBefore = later(10 * MINUTE).toISOString();
    const message = { leadId, resubmittedAt: notBefore };
    await stack.leads.commit('plan-owner-summary', { lead, at: new Date(), actor: 'router', plannedFor: notBefore, effects: [{ purpose: 'route', action: { kind: 'message', message }, notBefore }] });
    const relay = outboxFor(tableName, performersFromEnv(['message']));
    const [recorded] = await stack.leads.effects(leadId);
    const ours = async () => (await stack.drainRoutingQueue()).filter((body) => (body as { leadId?: string }).leadId === leadId);

    const early = await relay.relay(recorded!);
    await sweepAt(later(5 * MINUTE));
    const [waiting] = await stack.leads.effects(leadId);
    const sentEarly = await ours();
    await sweepAt(later(10 * MINUTE + 1_000));
    const [handedOver] = await stack.leads.effects(leadId);
    const outcomes = [await relay.relay(handedOver!), await relay.relay(handedOver!)];

    expect(recorded).toMatchObject({ purpose: 'route', status: 'pending', notBefore });
    expect(early).toBe('not-yet');
    expect(waiting).toEqual(recorded);
    expect(sentEarly).toEqual([]);
    expect(handedOver).toMatchObject({ status: 'pending', rearms: 1 });
    expect(handedOver!.notBefore).toBeUndefined();
    expect(outcomes).toEqual(['performed', 'already-done']);
    expect(await ours()).toEqual([message]);
    expect((await stack.leads.effects(leadId))[0]).toMatchObject({ status: 'done' });
  });

  it("given a rep whose held lead was deleted by the table's TTL, when the sweeper recounts, then the rep's open-lead count matches what they hold", async () => {
    const team = await stack.addTeam([{ capacity: 2 }, { capacity: 2 }]);
    const kept = await stack.receiveLead({ firstName: 'Kept', email: 'kept-held@example.com' }, team.id);
    const expired = await stack.receiveLead({ firstName: 'Expired', email: 'expired-held@example.com' }, team.id);
    await stack.offerTo(kept, team.reps[0]!.id);
    await stack.offerTo(expired, team.reps[0]!.id);
    await dynamoDocument.send(new DeleteCommand({ TableName: tableName, Key: { pk: `LEAD#${expired}`, sk: 'LEAD' } }));
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 2 });

    // The count is left alone while it may still be changing (the owner index lags writes)…
    const soon = await sweepAt(later(1_000));
    const settled = await sweepAt(later(MINUTE));

    expect(soon.repaired).toBe(0);
    expect(settled.repaired).toBeGreaterThanOrEqual(1);
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 1 });
    expect(await stack.reps.get(team.reps[1]!.id)).toMatchObject({ openLeads: 0 });
  });

  it('given a recount moments ago, when the sweeper runs again within the recount period, then counts are left until the period has passed', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const rep = team.reps[0]!;
    const leadIds = await Promise.all(['one', 'two'].map((name) => stack.receiveLead({ firstName: name, email: `${name}-recount@example.com` }, team.id)));
    // Accepted, so the jumps in time below find nothing to take back, only deadlines to escalate.
    for (const leadId of leadIds) {
      await stack.offerTo(leadId, rep.id);
      await stack.repDoes('accept', leadId, rep.id);
    }
    // Later than any other test's sweep, so this one's first sweep takes the turn.
    const base = 20 * MINUTE;
    await sweepAt(later(base));
    await dynamoDocument.send(new DeleteCommand({ TableName: tableName, Key: { pk: `LEAD#${leadIds[1]}`, sk: 'LEAD' } }));

    const within = await sweepAt(later(base + 10_000));
    expect(within.repaired).toBe(0);
    expect(await stack.reps.get(rep.id)).toMatchObject({ openLeads: 2 });

    const after = await sweepAt(later(base + RECOUNT_EVERY_MS + 1_000));
    expect(after.repaired).toBe(1);
    expect(await stack.reps.get(rep.id)).toMatchObject({ openLeads: 1 });
  });

  it('given a lead with a history, then every event carries the lead’s own expiry, so the history goes with it', async () => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const leadId = await stack.receiveLead({ firstName: 'Aging', email: 'aging@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id, { withFollowUps: true });
    await stack.repDoes('pass', leadId, team.reps[0]!.id);

    const { Items = [] } = await dynamoDocument.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `LEAD#${leadId}` } }));
    const lead = Items.find((item) => item.sk === 'LEAD')!;

    expect(Items.filter((item) => String(item.sk).startsWith('EVENT#'))).toHaveLength(3);
    expect(Items.filter((item) => String(item.sk).startsWith('EFFECT#'))).toHaveLength(2);
    for (const item of Items) expect(item.expiresAt, String(item.sk)).toBe(lead.expiresAt);
  });
});
