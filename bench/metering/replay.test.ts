import { describe, expect, it } from 'vitest';
import { fromQueryForm, replay, replayOrder } from './replay.ts';

describe('fromQueryForm', () => {
  it('given an SES SendEmail form, then it is the command input: members as lists, Action and Version left out', () => {
    const form = new URLSearchParams({
      Action: 'SendEmail',
      Version: '2010-12-01',
      Source: 'leads@demo.example.com',
      'Destination.ToAddresses.member.1': 'ana@demo.example.com',
      'Destination.ToAddresses.member.2': 'ben@demo.example.com',
      'Message.Subject.Data': 'New warm lead',
      'Message.Body.Html.Data': '<p>Yours</p>',
      'Tags.member.1.Name': 'purpose',
      'Tags.member.1.Value': 'offer',
    }).toString();

    expect(fromQueryForm(form)).toEqual({
      Source: 'leads@demo.example.com',
      Destination: { ToAddresses: ['ana@demo.example.com', 'ben@demo.example.com'] },
      Message: { Subject: { Data: 'New warm lead' }, Body: { Html: { Data: '<p>Yours</p>' } } },
      Tags: [{ Name: 'purpose', Value: 'offer' }],
    });
  });

  it('given ten members or more, then they keep their numeric order', () => {
    const form = Array.from({ length: 11 }, (_, i) => `L.member.${i + 1}=${i + 1}`).join('&');
    expect(fromQueryForm(form)).toEqual({ L: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'] });
  });
});

describe('replayOrder', () => {
  it('given two calls that overlapped and a third after both, then the third waits for both and the two for nothing', () => {
    const calls = [
      { startedAt: 0, endedAt: 10 },
      { startedAt: 2, endedAt: 8 },
      { startedAt: 11, endedAt: 15 },
    ];

    expect(replayOrder(calls)).toEqual([[], [], [0, 1]]);
  });
});

describe('replay', () => {
  it('given overlapping calls, when replayed, then they are in flight together, and a later call starts only after them', async () => {
    const calls = [
      { service: 'dynamodb', operation: 'GetItem', body: 'a', startedAt: 0, endedAt: 10, ok: true },
      { service: 'sqs', operation: 'SendMessage', body: 'b', startedAt: 1, endedAt: 9, ok: true },
      { service: 'ses', operation: 'SendEmail', body: 'c', startedAt: 12, endedAt: 13, ok: true },
    ] as const;
    const events: string[] = [];
    let inFlight = 0;
    let most = 0;

    const outcomes = await replay(calls, async (call) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      events.push(`start ${call.body}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`end ${call.body}`);
      inFlight -= 1;
      if (call.body === 'b') throw new Error('refused');
      return call.body;
    });

    expect(most).toBe(2);
    expect(events.indexOf('start c')).toBeGreaterThan(Math.max(events.indexOf('end a'), events.indexOf('end b')));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
