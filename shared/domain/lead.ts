import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InvalidLead, type FieldProblem } from './errors.ts';

/** Where a lead is in its life. Every change between these is a conditional write. */
export const LeadStatus = {
  /** Stored and waiting for the router. */
  received: 'RECEIVED',
  /** Offered to one rep, who has not answered yet. */
  offered: 'OFFERED',
  accepted: 'ACCEPTED',
  contacted: 'CONTACTED',
  /** Nobody could take it; it waits in its team's queue. */
  queued: 'QUEUED',
  /** A cold lead, handed to marketing instead of a rep. */
  nurture: 'NURTURE',
  /** Won or lost; the rep's capacity is free again. */
  closed: 'CLOSED',
} as const;
export type LeadStatus = (typeof LeadStatus)[keyof typeof LeadStatus];

/** Statuses in which nobody needs to be chased any more. */
export const settledStatuses: ReadonlySet<LeadStatus> = new Set([LeadStatus.contacted, LeadStatus.nurture, LeadStatus.closed]);

export const Tiers = ['hot', 'warm', 'cold'] as const;
export type Tier = (typeof Tiers)[number];

const MAX_TEXT = 200;
const MAX_MESSAGE = 5_000;
const MAX_CUSTOM_FIELDS = 50;
const MAX_CUSTOM_VALUE = 1_000;

/** Trim, collapse empty to undefined, and cap length with a message naming the limit. */
const text = (max: number) =>
  z
    .union([z.string(), z.number()])
    .transform((value) => String(value).trim())
    .pipe(z.string().max(max, `must be at most ${max} characters`))
    .transform((value) => (value === '' ? undefined : value))
    .optional();

const CanonicalFieldsSchema = z.object({
  firstName: text(MAX_TEXT),
  lastName: text(MAX_TEXT),
    email: z
      .string()
      .trim()
      .transform((value) => value.toLowerCase())
      .pipe(z.union([z.literal(''), z.email('must be a valid email address').max(254)]))
      .transform((value) => (value === '' ? undefined : value))
      .optional(),
  phone: text(40).pipe(
      z
        .string()
        .regex(/^\+?[0-9 ().\-/]{5,40}$/, 'must be a phone number (digits, spaces, + ( ) . - /)')
        .optional(),
    ),
  company: text(MAX_TEXT),
  product: text(100),
  country: text(100).pipe(
      z
        .string()
        .regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO 3166 country code such as DE')
        .transform((value) => value.toUpperCase())
        .optional(),
    ),
  region: text(100),
  postalCode: text(20),
  city: text(100),
  message: text(MAX_MESSAGE),
  source: text(100),
  });

export const LeadInputSchema = CanonicalFieldsSchema.catchall(z.unknown())
  .superRefine((lead, ctx) => {
    if (lead.email === undefined && lead.phone === undefined) {
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'an email or a phone number is required' });
    }
  });

const canonicalKeys: ReadonlySet<string> = new Set(Object.keys(CanonicalFieldsSchema.shape));

export interface LeadContact {
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  company?: string;
  product?: string;
  country?: string;
  region?: string;
  postalCode?: string;
  city?: string;
  message?: string;
  source?: string;
  /** ISO 639-1, lower case. */
  language?: string;
}

export interface NewLead {
  readonly contact: LeadContact;
  /** Whatever else the form sent, kept as text so no sender-specific field is lost. */
  readonly fields: Record<string, string>;
}

function customFields(raw: Record<string, unknown>, problems: FieldProblem[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (canonicalKeys.has(key) || value === undefined || value === null) continue;
    if (typeof value === 'object') {
      problems.push({ field: key, message: 'must be text, a number or true/false' });
      continue;
    }
    const str = String(value).trim();
    if (str === '') continue;
    if (key.length > 64) problems.push({ field: key.slice(0, 64), message: 'field names must be at most 64 characters' });
    else if (str.length > MAX_CUSTOM_VALUE) problems.push({ field: key, message: `must be at most ${MAX_CUSTOM_VALUE} characters` });
    else fields[key] = str;
  }
  if (Object.keys(fields).length > MAX_CUSTOM_FIELDS) {
    problems.push({ field: '(form)', message: `at most ${MAX_CUSTOM_FIELDS} extra fields are accepted` });
  }
  return fields;
}

/**
 * Validates and normalizes a posted body into a lead. Throws `InvalidLead` naming every bad
 * field at once, so a form author can fix them in one go.
 */
export function parseLeadInput(raw: unknown): NewLead {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidLead([{ field: '(body)', message: 'must be an object of lead fields' }]);
  }
  const problems: FieldProblem[] = [];
  const result = LeadInputSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push({ field: issue.path.join('.') || '(body)', message: issue.message });
    }
  }
  const fields = customFields(raw as Record<string, unknown>, problems);
  if (problems.length > 0 || !result.success) throw new InvalidLead(problems);
  const contact: LeadContact = {};
  for (const key of canonicalKeys) {
    const value = result.data[key];
    if (typeof value === 'string') contact[key as keyof LeadContact] = value;
  }
  return { contact, fields };
}

export interface Lead {
  readonly id: string;
  readonly status: LeadStatus;
  readonly teamId: string;
  /** 0 until first offered; +1 with every offer, so links and timers of old offers go stale. */
  readonly attempt: number;
  readonly ownerId?: string;
  readonly receivedAt: string;
  readonly contactDeadline: string;
  readonly offeredAt?: string;
  readonly acceptedAt?: string;
  readonly contactedAt?: string;
  /** Reps who passed on this lead; never offered it again. */
  readonly excludedReps: readonly string[];
  /** Reps it was taken from because they did not contact it by the deadline. */
  readonly missedBy?: readonly string[];
  /** Attempt whose offer email and timer are done, so a redelivered message does not repeat them. */
  readonly notifiedAttempt?: number;
  /** Attempt whose deadline escalation was sent. */
  readonly escalatedAttempt?: number;
  /** Attempt whose owner was reminded of the deadline. */
  readonly remindedAttempt?: number;
  /** Attempt (while queued) at which the lead was opened to the whole team. */
  readonly openedAttempt?: number;
  /** Where the contact SLA counts from: receipt, or the moment a missed lead was reassigned. */
  readonly slaStartedAt?: string;
  readonly contact: LeadContact;
  readonly fields: Readonly<Record<string, string>>;
  /** Set by the router when it first classifies the lead. */
  readonly tier?: Tier;
  readonly score?: number;
}

export interface LeadTiming {
  readonly now: Date;
  /** Real duration of the contact SLA in milliseconds (already time-scaled). */
  readonly contactWithinMs: number;
}

export function createLead(input: NewLead, teamId: string, timing: LeadTiming, id: string = randomUUID()): Lead {
  return {
    id,
    status: LeadStatus.received,
    teamId,
    attempt: 0,
    receivedAt: timing.now.toISOString(),
    contactDeadline: new Date(timing.now.getTime() + timing.contactWithinMs).toISOString(),
    excludedReps: [],
    contact: input.contact,
    fields: input.fields,
  };
}

export function displayName(contact: LeadContact): string {
  const name = [contact.firstName, contact.lastName].filter(Boolean).join(' ');
  return name || contact.company || contact.email || contact.phone || 'Unnamed lead';
}

/**
 * The time to record a step that follows another in the same decision: now, but never at or
 * before the earlier step, so the history (ordered by time) reads in the order things happened.
 */
export const after = (earlier: Date, now: Date): Date => new Date(Math.max(now.getTime(), earlier.getTime() + 1));
