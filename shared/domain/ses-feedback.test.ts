import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bareAddress, parseMailFeedback, SnsEventSchema, undeliverableAddresses } from './ses-feedback.ts';

/** The SES notification inside a sample SNS event of `events/feedback/`, the files `npm run invoke` replays. */
function sampleMessage(file: string): string {
  const event = SnsEventSchema.parse(JSON.parse(readFileSync(new URL(`../../events/feedback/${file}`, import.meta.url), 'utf8')));
  return event.Records[0]!.Sns.Message;
}

/** The sample bounce as a plain object, to vary one field at a time. */
const JsonObject = z.record(z.string(), z.unknown());
const bounceNotification = () => JsonObject.parse(JSON.parse(sampleMessage('ses-bounce.json')));
const withBounce = (bounce: Record<string, unknown>) => {
  const notification = bounceNotification();
  return JSON.stringify({ ...notification, bounce: { ...JsonObject.parse(notification.bounce), ...bounce } });
};

describe('parseMailFeedback', () => {
  it('given the sample permanent bounce from event publishing, when parsed, then the recipient, subtype, diagnostic and ids are read', () => {
    const parsed = parseMailFeedback(sampleMessage('ses-bounce.json'));

    expect(parsed).toEqual({
      ok: true,
      feedback: {
        kind: 'bounce',
        bounceType: 'Permanent',
        bounceSubType: 'General',
        recipients: [
          {
            address: 'ana@demo.example.com',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 <ana@demo.example.com>: Recipient address rejected: User unknown in virtual mailbox table',
          },
        ],
        at: '2026-03-02T09:41:02.669Z',
        feedbackId: '0102018e0a7b2c1d-4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8-000000',
        messageId: '0102018e0a7b1f9e-2b3c4d5e-6f70-4a81-92a3-b4c5d6e7f809-000000',
      },
    });
  });

  it('given the sample complaint with a null subtype, when parsed, then the recipient and feedback type are read and the null left out', () => {
    const parsed = parseMailFeedback(sampleMessage('ses-complaint.json'));

    expect(parsed).toEqual({
      ok: true,
      feedback: {
        kind: 'complaint',
        recipients: [{ address: 'ana@demo.example.com' }],
        at: '2026-03-02T10:12:43.000Z',
        feedbackId: '0102018e0a9c4d3e-5f6a7b8c-9d0e-4f1a-b2c3-d4e5f6a7b8c9-000000',
        feedbackType: 'abuse',
        messageId: '0102018e0a8d3c2b-1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d-000000',
      },
    });
  });

  it('given an identity notification (notificationType instead of eventType), when parsed, then it reads the same as the event', () => {
    const { eventType: _eventType, ...rest } = bounceNotification();

    const parsed = parseMailFeedback(JSON.stringify({ notificationType: 'Bounce', ...rest }));

    expect(parsed).toEqual(parseMailFeedback(sampleMessage('ses-bounce.json')));
  });

  it.each([
    ['a delivery', JSON.stringify({ eventType: 'Delivery', mail: { messageId: 'm-1' }, delivery: { recipients: ['ana@demo.example.com'] } }), 'Delivery'],
    ['a delivery delay', JSON.stringify({ eventType: 'DeliveryDelay', mail: { messageId: 'm-1' }, deliveryDelay: { delayType: 'MailboxFull' } }), 'DeliveryDelay'],
    [
      "SES's subscription test message (no mail object)",
      JSON.stringify({ notificationType: 'AmazonSnsSubscriptionSucceeded', message: 'You have successfully subscribed your Amazon SNS topic' }),
      'AmazonSnsSubscriptionSucceeded',
    ],
  ])('given %s, when parsed, then it is another kind of event with nothing to act on', (_name, message, type) => {
    const parsed = parseMailFeedback(message);

    expect(parsed).toMatchObject({ ok: true, feedback: { kind: 'other', type } });
    expect(parsed.ok && undeliverableAddresses(parsed.feedback)).toEqual([]);
  });

  it.each([
    ['text that is not JSON', 'Bounce for ana@demo.example.com', 'the message is not JSON'],
    ['neither eventType nor notificationType', JSON.stringify({ mail: {} }), '(message): neither eventType nor notificationType'],
    ['a bounce without recipients', withBounce({ bouncedRecipients: [] }), 'bounce: bouncedRecipients'],
    ['a bounce of an unknown type', withBounce({ bounceType: 'Soft' }), 'bounce: bounceType'],
    ['a bounce without a feedback id', withBounce({ feedbackId: undefined }), 'bounce: feedbackId'],
    ['a complaint without its complaint object', JSON.stringify({ eventType: 'Complaint', mail: { messageId: 'm-1' } }), 'complaint: (message)'],
  ])('given %s, when parsed, then it is refused naming what is wrong', (_name, message, problem) => {
    const parsed = parseMailFeedback(message);

    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problem).toContain(problem);
  });
});

describe('undeliverableAddresses', () => {
  it('given a permanent bounce, then its recipient is undeliverable with the subtype and what the server said', () => {
    const parsed = parseMailFeedback(sampleMessage('ses-bounce.json'));

    expect(parsed.ok && undeliverableAddresses(parsed.feedback)).toEqual([
      {
        address: 'ana@demo.example.com',
        reason: 'bounce',
        subType: 'General',
        diagnostic: 'smtp; 550 5.1.1 <ana@demo.example.com>: Recipient address rejected: User unknown in virtual mailbox table',
        feedbackId: '0102018e0a7b2c1d-4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8-000000',
        at: '2026-03-02T09:41:02.669Z',
      },
    ]);
  });

  it('given a complaint, then its recipient is undeliverable with the feedback type', () => {
    const parsed = parseMailFeedback(sampleMessage('ses-complaint.json'));

    expect(parsed.ok && undeliverableAddresses(parsed.feedback)).toMatchObject([{ address: 'ana@demo.example.com', reason: 'complaint', subType: 'abuse' }]);
  });

  it.each(['Transient', 'Undetermined'])('given a %s bounce (a full mailbox, a server down), then no address is undeliverable', (bounceType) => {
    const parsed = parseMailFeedback(withBounce({ bounceType, bounceSubType: 'MailboxFull' }));

    expect(parsed.ok && undeliverableAddresses(parsed.feedback)).toEqual([]);
  });
});

describe('bareAddress', () => {
  it.each([
    ['ana@demo.example.com', 'ana@demo.example.com'],
    [' Ana@Demo.Example.com ', 'ana@demo.example.com'],
    ['"Souza, Ana" <Ana@Demo.example.com>', 'ana@demo.example.com'],
  ])('given %j, then it is %j', (raw, address) => {
    expect(bareAddress(raw)).toBe(address);
  });
});
