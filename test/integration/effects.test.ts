import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { useLocalStack, type LocalStackForTests } from './support.ts';

let stack: LocalStackForTests;
let relay: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
let ses: FaultProxy;

beforeAll(async () => {
  stack = await useLocalStack('effects');
  // The relay's SES client goes through a proxy that can refuse a call, in front of the real emulator.
  ses = await startFaultProxy({ target: inject('emulatorEndpoints').ses, service: 'ses' });
  process.env.AWS_ENDPOINT_URL_SES = ses.url;
  relay = await stack.handler<DynamoDBStreamEvent, DynamoDBBatchResponse>();
});

afterAll(async () => {
  await ses?.stop();
});

const email = (to: string, subject: string) => ({ kind: 'email' as const, email: { to, subject, html: `<p>${subject}</p>`, text: subject } });

type Effects = Parameters<LocalStackForTests['leads']['commit']>[1]['effects'];

/**
 * A lead with follow-up effects recorded by one of its transitions and not yet performed (nothing
 * here performs them): `sweep` for routing, `remind` (on an offered lead) for an email, `queue`
 * for a queue notice.
 */
async function leadWithEffects(name: string, effects: Effects, transition: 'sweep' | 'remind' | 'queue' = 'sweep'): Promise<string> {
  const team = await stack.addTeam([{ capacity: 1 }]);
  const leadId = await stack.receiveLead({ firstName: name, email: `${name.toLowerCase()}@example.com` }, team.id);
  const lead = transition === 'remind' ? await stack.offerTo(leadId, team.reps[0]!.id) : (await stack.leads.get(leadId))!;
  await stack.leads.commit(transition, { lead, at: new Date(), actor: 'test', effects });
  return leadId;
}

describe('the effects relay on DynamoDB Local, fauxqs, aws-ses-v2-local and the local Step Functions runtime', () => {
  it('given a pending email effect, when the stream delivers it twice and two relays take it at once, then it is sent once and done', async () => {
    const leadId = await leadWithEffects('Twice', [{ purpose: 'route', action: { kind: 'message', message: { leadId: 'x' } } }]);
    await stack.drainRoutingQueue();
    const stream = await stack.effectStream(leadId);

    const responses = await Promise.all([relay(stream), relay(stream), relay(stream)]);

    expect(responses.map((response) => response.batchItemFailures)).toEqual([[], [], []]);
    expect(await stack.drainRoutingQueue()).toEqual([{ leadId: 'x' }]);
    expect((await stack.leads.effects(leadId)).map((effect) => effect.status)).toEqual(['done']);
  });

  it('given an effect its committing function holds under a live lease (the fast path), when the stream delivers it, then the relay leaves it alone', async () => {
    const leadId = await leadWithEffects('Leased', [{ purpose: 'route', action: { kind: 'message', message: { leadId: 'leased' } } }]);
    await stack.drainRoutingQueue();
    const [recorded] = await stack.leads.effects(leadId);
    const stream = await stack.effectStream(leadId);
    const image = stream.Records[0]!.dynamodb!.NewImage!;
    image.status = { S: 'claimed' };
    image.leaseUntil = { S: new Date(Date.now() + 60_000).toISOString() };

    const response = await relay(stream);

    expect(response.batchItemFailures).toEqual([]);
    expect(await stack.drainRoutingQueue()).toEqual([]);
    // The record is as it was written: not claimed, tried or finished by the relay.
    expect(await stack.leads.effects(leadId)).toEqual([recorded]);
  });

  it('given an email effect whose subject carries line breaks and control characters (a lead stored before names were cleaned), when relayed, then it is sent with its subject on one line', async () => {
    const to = `injected.${Date.now()}@example.com`;
    const leadId = await leadWithEffects('Injected', [{ purpose: 'reminder-email', action: email(to, 'Reminder: Dana\r\nBcc: x@evil.test\u2028\u0000\u0085 (solar)') }], 'remind');
    await stack.drainRoutingQueue();

    const response = await relay(await stack.effectStream(leadId));

    expect(response.batchItemFailures).toEqual([]);
    const [sent] = await stack.emailsTo(to);
    expect(sent!.subject).toBe('Reminder: Dana Bcc: x@evil.test (solar)');
  });

  it('given an email SES refuses, when relayed, then only that record is reported failed, the effect keeps the error, and the retry sends it once', async () => {
    const to = `refused.${Date.now()}@example.com`;
    const leadId = await leadWithEffects('Refused', [{ purpose: 'reminder-email', action: email(to, 'Refused reminder') }], 'remind');
    await stack.drainRoutingQueue();
    const stream = await stack.effectStream(leadId);
    const refused = stream.Records.find((record) => record.dynamodb!.NewImage!.purpose!.S === 'reminder-email')!;
    ses.fail({ operation: 'SendEmail', match: 'Refused reminder', kind: 'throttle' });

    const first = await relay(stream);
    const effectsAfterFirst = await stack.leads.effects(leadId);
    const retry = await relay(stream);

    expect(first.batchItemFailures).toEqual([{ itemIdentifier: refused.dynamodb!.SequenceNumber }]);
    expect(effectsAfterFirst.find((effect) => effect.purpose === 'reminder-email')).toMatchObject({ status: 'failed', lastError: expect.stringContaining('Throttling') });
    expect(retry.batchItemFailures).toEqual([]);
    expect(await stack.emailsTo(to)).toHaveLength(1);
    expect((await stack.leads.effects(leadId)).map((effect) => effect.status)).toEqual(['done']);
    expect(ses.calls.filter((call) => call.failed)).not.toHaveLength(0);
  });

  it('given two queue notices of one team within the cool-down, when relayed, then the manager gets one and the other is done without sending', async () => {
    const to = `cooldown.${Date.now()}@example.com`;
    const window = { key: `TEAM#cooldown-${Date.now()}#QUEUE-NOTICE`, withinMs: 15 * 60_000 };
    const first = await leadWithEffects('Queued1', [{ purpose: 'queue-notice', action: { ...email(to, 'Waiting 1'), oncePer: window } }], 'queue');
    const second = await leadWithEffects('Queued2', [{ purpose: 'queue-notice', action: { ...email(to, 'Waiting 2'), oncePer: window } }], 'queue');

    await relay(await stack.effectStream(first));
    await relay(await stack.effectStream(second));
    await relay(await stack.effectStream(first));

    expect((await stack.emailsTo(to)).map((sent) => sent.subject)).toEqual(['Waiting 1']);
    expect(await stack.leads.effects(second)).toEqual([expect.objectContaining({ status: 'done', suppressed: true })]);
  });

  it('given an SLA timer effect relayed twice, then exactly one execution runs, named for the lead, its attempt and the effect', async () => {
    const deadline = new Date(Date.now() + 3_600_000).toISOString();
    const leadId = await leadWithEffects('Timer', []);
    const lead = (await stack.leads.get(leadId))!;
    await stack.leads.commit('timer-failed', {
      lead,
      at: new Date(),
      actor: 'sla-timer',
      effects: [{ purpose: 'sla-timer', action: { kind: 'timer', input: { leadId, attempt: 0, acceptDeadline: deadline, reminderAt: deadline, contactDeadline: deadline } } }],
    });
    const stream = await stack.effectStream(leadId);

    await relay(stream);
    await relay(stream);

    const [effect] = await stack.leads.effects(leadId);
    expect((await stack.executions()).filter((execution) => execution.name === `${leadId}-0-${effect!.id}`)).toHaveLength(1);
    expect(effect).toMatchObject({ status: 'done' });
  });

  it("given a rep's sign-in email (no lead's), when SES refuses it once and the stream retries it, then it is sent once, tagged with the rep, and done", async () => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const rep = team.reps[0]!;
    const subject = `Sign-in link for ${rep.id}`;
    expect(await stack.reps.claimSignInLink(rep.id, new Date(), 60_000, [{ purpose: 'sign-in-email', action: email(rep.email, subject) }])).toBe(true);
    const stream = await stack.effectStream({ repId: rep.id });
    ses.fail({ operation: 'SendEmail', match: subject, kind: 'throttle' });

    const first = await relay(stream);
    const afterFirst = await stack.reps.effects(rep.id);
    const retry = await relay(stream);

    expect(first.batchItemFailures).toEqual([{ itemIdentifier: stream.Records[0]!.dynamodb!.SequenceNumber }]);
    expect(afterFirst).toEqual([expect.objectContaining({ repId: rep.id, status: 'failed', lastError: expect.stringContaining('Throttling') })]);
    expect(retry.batchItemFailures).toEqual([]);
    expect((await stack.emailsTo(rep.email)).map((sent) => sent.subject)).toEqual([subject]);
    expect(await stack.reps.effects(rep.id)).toEqual([expect.objectContaining({ status: 'done' })]);
    const [sent, ...again] = ses.calls.filter((call) => call.operation === 'SendEmail' && call.body.includes(subject) && !call.failed);
    expect(again).toEqual([]);
    // SES's event publishing carries the rep (and the effect): a bounce of it traces back to them.
    expect(sent!.body).toContain(`Tags.member.1.Name=rep\nTags.member.1.Value=${rep.id}`);
    expect(sent!.body).not.toContain('Name=lead');
  });

  it('given a stream record that is not an effect, when relayed, then it is skipped without failing the batch', async () => {
    await stack.drainRoutingQueue();

    const response = await relay({
      Records: [{ eventID: '1', eventName: 'INSERT', dynamodb: { SequenceNumber: '1', NewImage: { pk: { S: 'LEAD#x' }, sk: { S: 'LEAD' }, type: { S: 'lead' } } } }],
    });

    expect(response.batchItemFailures).toEqual([]);
    expect(await stack.drainRoutingQueue()).toEqual([]);
    expect(await stack.leads.get('x')).toBeUndefined();
  });
});
