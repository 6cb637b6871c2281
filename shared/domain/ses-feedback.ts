import * as z from '../zod.ts';

/**
 * What SES reports about an email after it was sent, as published to SNS: by a configuration
 * set's event destination (`eventType`) or by an identity's feedback notifications
 * (`notificationType`, same bodies). Objects are loose, because SES adds fields over time;
 * only what the decision rests on (the bounce type, the recipients, the feedback id) is strict.
 * https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */

/** SES sends `null` for some optional strings (a complaint's `complaintSubType`). */
const optionalText = z.pipe(z.nullish(z.string()), z.transform((value) => value ?? undefined));

const BounceSchema = z.looseObject({
  bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
  /** General, NoEmail, Suppressed, OnAccountSuppressionList, MailboxFull, MessageTooLarge, … */
  bounceSubType: z.string().check(z.minLength(1)),
  bouncedRecipients: z
    .array(z.looseObject({ emailAddress: z.string().check(z.minLength(1)), diagnosticCode: optionalText, status: optionalText, action: optionalText }))
    .check(z.minLength(1)),
  timestamp: z.iso.datetime({ offset: true }),
  feedbackId: z.string().check(z.minLength(1)),
});

const ComplaintSchema = z.looseObject({
  complainedRecipients: z.array(z.looseObject({ emailAddress: z.string().check(z.minLength(1)) })).check(z.minLength(1)),
  timestamp: z.iso.datetime({ offset: true }),
  feedbackId: z.string().check(z.minLength(1)),
  /** abuse, fraud, not-spam, … when the mailbox provider sent a feedback report with one. */
  complaintFeedbackType: optionalText,
  /** `OnAccountSuppressionList` when SES did not even try, because of an earlier complaint. */
  complaintSubType: optionalText,
});

const NotificationSchema = z
  .looseObject({
    eventType: z.optional(z.string().check(z.minLength(1))),
    notificationType: z.optional(z.string().check(z.minLength(1))),
    /** Absent from SES's "AmazonSnsSubscriptionSucceeded" test notification. */
    mail: z.optional(z.looseObject({ messageId: z.optional(z.string()) })),
    bounce: z.optional(z.unknown()),
    complaint: z.optional(z.unknown()),
  })
  .check(
    z.refine((notification) => notification.eventType !== undefined || notification.notificationType !== undefined, {
      message: 'neither eventType nor notificationType',
    }),
  );

/** The Lambda event of an SNS subscription; each record carries one SES notification as text. */
export const SnsEventSchema = z.object({
  Records: z.array(z.looseObject({ Sns: z.looseObject({ MessageId: z.string(), Message: z.string() }) })),
});

export interface BouncedRecipient {
  /** Lower case, without a display name. */
  readonly address: string;
  readonly diagnosticCode?: string;
  readonly status?: string;
}

export type MailFeedback =
  | {
      readonly kind: 'bounce';
      readonly bounceType: 'Permanent' | 'Transient' | 'Undetermined';
      readonly bounceSubType: string;
      readonly recipients: readonly BouncedRecipient[];
      readonly at: string;
      readonly feedbackId: string;
      readonly messageId?: string;
    }
  | {
      readonly kind: 'complaint';
      readonly feedbackType?: string;
      readonly subType?: string;
      readonly recipients: readonly { readonly address: string }[];
      readonly at: string;
      readonly feedbackId: string;
      readonly messageId?: string;
    }
  /** Delivery, Send, Open, DeliveryDelay, the subscription test message…: nothing to act on. */
  | { readonly kind: 'other'; readonly type: string; readonly messageId?: string };

export type ParsedFeedback = { readonly ok: true; readonly feedback: MailFeedback } | { readonly ok: false; readonly problem: string };

/** `"Ana Souza" <Ana@Example.com>` or `ana@example.com` → `ana@example.com`. */
export function bareAddress(raw: string): string {
  const angled = /<([^<>]+)>\s*$/.exec(raw);
  return (angled ? angled[1]! : raw).trim().toLowerCase();
}

const describe = (error: z.core.$ZodError) => error.issues.map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`).join('; ');

/** One SNS message body from SES, read into what the feedback function acts on, or why it cannot be. */
export function parseMailFeedback(message: string): ParsedFeedback {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return { ok: false, problem: 'the message is not JSON' };
  }
  const notification = NotificationSchema.safeParse(json);
  if (!notification.success) return { ok: false, problem: describe(notification.error) };
  const { eventType, notificationType, mail } = notification.data;
  const type = (eventType ?? notificationType)!;
  const messageId = mail?.messageId !== undefined ? { messageId: mail.messageId } : {};

  if (type === 'Bounce') {
    const bounce = BounceSchema.safeParse(notification.data.bounce);
    if (!bounce.success) return { ok: false, problem: `bounce: ${describe(bounce.error)}` };
    const { bounceType, bounceSubType, bouncedRecipients, timestamp, feedbackId } = bounce.data;
    return {
      ok: true,
      feedback: {
        kind: 'bounce',
        bounceType,
        bounceSubType,
        recipients: bouncedRecipients.map((recipient) => ({
          address: bareAddress(recipient.emailAddress),
          ...(recipient.diagnosticCode !== undefined ? { diagnosticCode: recipient.diagnosticCode } : {}),
          ...(recipient.status !== undefined ? { status: recipient.status } : {}),
        })),
        at: timestamp,
        feedbackId,
        ...messageId,
      },
    };
  }
  if (type === 'Complaint') {
    const complaint = ComplaintSchema.safeParse(notification.data.complaint);
    if (!complaint.success) return { ok: false, problem: `complaint: ${describe(complaint.error)}` };
    const { complainedRecipients, timestamp, feedbackId, complaintFeedbackType, complaintSubType } = complaint.data;
    return {
      ok: true,
      feedback: {
        kind: 'complaint',
        recipients: complainedRecipients.map((recipient) => ({ address: bareAddress(recipient.emailAddress) })),
        at: timestamp,
        feedbackId,
        ...(complaintFeedbackType !== undefined ? { feedbackType: complaintFeedbackType } : {}),
        ...(complaintSubType !== undefined ? { subType: complaintSubType } : {}),
        ...messageId,
      },
    };
  }
  return { ok: true, feedback: { kind: 'other', type, ...messageId } };
}

/** One address SES says our mail cannot reach, and why. */
export interface UndeliverableAddress {
  readonly address: string;
  readonly reason: 'bounce' | 'complaint';
  /** Bounce subtype, or the complaint's feedback type (or subtype). */
  readonly subType?: string;
  readonly diagnostic?: string;
  readonly feedbackId: string;
  readonly at: string;
}

/**
 * The addresses to stop mailing: every recipient of a permanent bounce or of a complaint.
 * A transient or undetermined bounce (a full mailbox, a server down) may well deliver next
 * time, and other events say nothing about the address: none.
 */
export function undeliverableAddresses(feedback: MailFeedback): UndeliverableAddress[] {
  if (feedback.kind === 'bounce') {
    if (feedback.bounceType !== 'Permanent') return [];
    return feedback.recipients.map((recipient) => ({
      address: recipient.address,
      reason: 'bounce',
      subType: feedback.bounceSubType,
      ...(recipient.diagnosticCode !== undefined ? { diagnostic: recipient.diagnosticCode } : {}),
      feedbackId: feedback.feedbackId,
      at: feedback.at,
    }));
  }
  if (feedback.kind === 'complaint') {
    const subType = feedback.feedbackType ?? feedback.subType;
    return feedback.recipients.map((recipient) => ({
      address: recipient.address,
      reason: 'complaint',
      ...(subType !== undefined ? { subType } : {}),
      feedbackId: feedback.feedbackId,
      at: feedback.at,
    }));
  }
  return [];
}
