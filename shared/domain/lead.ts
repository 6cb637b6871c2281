import { randomUUID } from 'node:crypto';
import * as z from '../zod.ts';
import { InvalidLead, type FieldProblem } from './errors.ts';
import { flagWords, type FieldFlag, type FlagIssue } from './lead-quality.ts';
import { consentFlag, countryCode, e164, emailAddress, MAX_EMAIL_LENGTH, multiLine, singleLine, splitName } from './normalize.ts';

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
const MAX_FIELD_NAME = 64;

/** The longest value of each canonical field; a flagged value is kept up to the same length. */
export const fieldLimits = {
  firstName: MAX_TEXT,
  lastName: MAX_TEXT,
  name: MAX_TEXT,
  email: MAX_EMAIL_LENGTH,
  phone: 40,
  company: MAX_TEXT,
  product: 100,
  country: 100,
  region: 100,
  postalCode: 20,
  city: 100,
  message: MAX_MESSAGE,
  source: 100,
  language: 35,
  consent: 200,
} as const;

/**
 * Clean (one line, or `lines` for free text), trim, collapse empty to undefined, and cap length
 * with a message naming the limit. Cleaned here, the stored lead is as clean as every email
 * subject and page made from it.
 */
const text = (max: number, lines: 'one' | 'several' = 'one') =>
  z.optional(
    z.pipe(
      z.pipe(
        z.pipe(
          z.union([z.string(), z.number()]),
          z.transform((value) => (lines === 'one' ? singleLine(String(value)) : multiLine(String(value))).trim()),
        ),
        z.string().check(z.maxLength(max, `must be at most ${max} characters`)),
      ),
      z.transform((value) => (value === '' ? undefined : value)),
    ),
  );

const CanonicalFieldsSchema = z.object({
  firstName: text(fieldLimits.firstName),
  lastName: text(fieldLimits.lastName),
  /** A full name, split into first and last name when those are not given. */
  name: text(fieldLimits.name),
  email: z.optional(
    z.pipe(
      z.string(),
      z.transform((value, context) => {
        const text = value.trim();
        if (text === '') return undefined;
        const address = emailAddress(text);
        if (address !== undefined) return address;
        context.issues.push({
          code: 'custom',
          input: value,
          message: text.length > MAX_EMAIL_LENGTH ? `must be at most ${MAX_EMAIL_LENGTH} characters` : 'must be a valid email address',
        });
        return z.NEVER;
      }),
    ),
  ),
  /** Normalized to E.164 below, once the country is known. */
  phone: text(fieldLimits.phone),
  company: text(fieldLimits.company),
  product: text(fieldLimits.product),
  country: text(fieldLimits.country),
  region: text(fieldLimits.region),
  postalCode: text(fieldLimits.postalCode),
  city: text(fieldLimits.city),
  message: text(fieldLimits.message, 'several'),
  source: text(fieldLimits.source),
  language: text(fieldLimits.language),
  consent: z.optional(z.union([z.boolean(), z.string().check(z.maxLength(fieldLimits.consent)), z.number()])),
});
type CanonicalKey = keyof typeof CanonicalFieldsSchema.shape;

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

/** Contact fields a form may fill in, in the order leads show them. */
export const contactFields = [
  'firstName',
  'lastName',
  'email',
  'phone',
  'company',
  'product',
  'country',
  'region',
  'postalCode',
  'city',
  'message',
  'source',
  'language',
] as const satisfies readonly (keyof LeadContact)[];

export interface NewLead {
  readonly contact: LeadContact;
  /** Whatever else the form sent, kept as text so no sender-specific field is lost (utm_* too). */
  readonly fields: Record<string, string>;
  /** Whether the person agreed to be contacted, when the form asked. */
  readonly consent?: boolean;
  /** Fields kept as sent because they were malformed (lenient parsing only); none: absent. */
  readonly quality?: readonly FieldFlag[];
}

export interface ParseOptions {
  /** The country of a phone number written without +prefix when the lead names no country. */
  readonly defaultCountry?: string;
  /**
   * For a server's post (every source but a public form): a malformed field is kept as sent and
   * flagged instead of refusing the lead, as long as a valid email or phone can reach the
   * person. A server that gets a 4xx does not retry, so a refusal would lose the lead; a
   * browser's form post (not lenient) gets every bad field back, so the person can fix it.
   */
  readonly lenient?: boolean;
}

/** `value` cut at `max` UTF-16 units, never in the middle of a surrogate pair. */
function cut(value: string, max: number): string {
  if (value.length <= max) return value;
  const end = /[\uD800-\uDBFF]/.test(value[max - 1] ?? '') ? max - 1 : max;
  return value.slice(0, end);
}

/** A value as sent, before any cut: what a flag keeps, one line (a message keeps its lines) and trimmed. */
function sentText(value: unknown, lines: 'one' | 'several' = 'one'): string {
  const raw = typeof value === 'string' ? value : typeof value === 'object' && value !== null ? (JSON.stringify(value) ?? '') : String(value);
  return (lines === 'one' ? singleLine(raw) : multiLine(raw)).trim();
}

/** Records a bad field both ways: a problem for a refusal, and a flag should the lead be kept. */
class Findings {
  readonly problems: FieldProblem[] = [];
  readonly flags: FieldFlag[] = [];

  add(field: string, messages: readonly string[], issue: FlagIssue, given: string): void {
    for (const message of messages) this.problems.push({ field, message });
    this.flags.push({ field: cut(field, MAX_FIELD_NAME), issue, given, problem: messages[0] ?? 'is not valid' });
  }
}

/** Why a canonical value failed its schema, from the value itself. */
function issueOf(value: unknown, sent: string, limit: number): FlagIssue {
  if (typeof value === 'object' && value !== null) return 'not-text';
  return sent.length > limit ? 'too-long' : 'invalid';
}

function customFields(raw: Record<string, unknown>, findings: Findings): Record<string, string> {
  // No prototype: a field named `__proto__` or `constructor` is kept as the data it is.
  const fields: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(raw)) {
    if (canonicalKeys.has(name) || value === undefined || value === null) continue;
    if (typeof value === 'object') {
      findings.add(singleLine(name), ['must be text, a number or true/false'], 'not-text', cut(sentText(value, 'several'), MAX_CUSTOM_VALUE));
      continue;
    }
    // Free text as the sender named it: never a subject, but shown in emails and pages.
    const str = multiLine(String(value)).trim();
    const key = singleLine(name);
    if (str === '' || key === '') continue;
    if (key.length > MAX_FIELD_NAME) findings.add(key.slice(0, MAX_FIELD_NAME), [`field names must be at most ${MAX_FIELD_NAME} characters`], 'too-long', cut(str, MAX_CUSTOM_VALUE));
    else if (str.length > MAX_CUSTOM_VALUE) findings.add(key, [`must be at most ${MAX_CUSTOM_VALUE} characters`], 'too-long', cut(str, MAX_CUSTOM_VALUE));
    else fields[key] = str;
  }
  const names = Object.keys(fields);
  if (names.length > MAX_CUSTOM_FIELDS) {
    // Kept leniently, the lead holds the first fifty; the flag names the rest.
    const left = names.slice(MAX_CUSTOM_FIELDS);
    for (const name of left) delete fields[name];
    findings.add('(form)', [`at most ${MAX_CUSTOM_FIELDS} extra fields are accepted`], 'too-many', cut(left.join(', '), MAX_CUSTOM_VALUE));
  }
  return fields;
}

/**
 * Validates and normalizes a posted body into a lead. Strict (a form post): throws `InvalidLead`
 * naming every bad field at once, so a form author can fix them in one go. Lenient (a server's
 * post): every bad field is flagged in `quality` instead, and only a lead that no valid email
 * or phone can reach is refused, naming the fields.
 */
export function parseLeadInput(raw: unknown, options: ParseOptions = {}): NewLead {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidLead([{ field: '(body)', message: 'must be an object of lead fields' }]);
  }
  const lenient = options.lenient === true;
  const findings = new Findings();
  // Field by field, so one bad field does not hide the others' problems (or their normalization).
  const data: Partial<z.infer<typeof CanonicalFieldsSchema>> = {};
  for (const [key, schema] of Object.entries(CanonicalFieldsSchema.shape) as [CanonicalKey, z.ZodMiniType][]) {
    const value = Object.hasOwn(raw, key) ? (raw as Record<string, unknown>)[key] : undefined;
    // A server's null is an empty field (Zapier sends one for an empty mapping); a form post has none.
    if (lenient && value === null) continue;
    const result = schema.safeParse(value);
    if (result.success) {
      Object.assign(data, { [key]: result.data });
      continue;
    }
    const sent = sentText(value, key === 'message' ? 'several' : 'one');
    for (const issue of result.error.issues) findings.problems.push({ field: [key, ...issue.path].join('.'), message: issue.message });
    findings.flags.push({ field: key, issue: issueOf(value, sent, fieldLimits[key]), given: cut(sent, fieldLimits[key]), problem: result.error.issues[0]?.message ?? 'is not valid' });
  }
  const fields = customFields(raw as Record<string, unknown>, findings);

  const contact: LeadContact = {};
  for (const key of contactFields) {
    const value = data[key];
    // Country and phone are set below, once normalized.
    if (typeof value === 'string' && key !== 'country' && key !== 'phone') contact[key] = value;
  }
  if (data.name && !contact.firstName && !contact.lastName) Object.assign(contact, splitName(data.name));
  if (contact.language) contact.language = contact.language.toLowerCase();
  if (data.country !== undefined) {
    const code = countryCode(data.country);
    if (code) contact.country = code;
    else findings.add('country', ['must be an ISO 3166 country code such as DE, or a country name'], 'invalid', data.country);
  }
  if (data.phone !== undefined) {
    const phoneCountry = contact.country ?? options.defaultCountry;
    const number = e164(data.phone, phoneCountry);
    if (number) contact.phone = number;
    else {
      const message = `must be a phone number${phoneCountry ? ` valid in ${phoneCountry}, or one with its +country code` : ' with its +country code'}`;
      findings.add('phone', [message], 'invalid', data.phone);
    }
  }
  let consent: boolean | undefined;
  if (data.consent !== undefined) {
    consent = consentFlag(data.consent);
    if (consent === undefined) findings.add('consent', ['must be true or false (yes/no, on/off)'], 'invalid', cut(sentText(data.consent), fieldLimits.consent));
  }
  const lead = { contact, fields, ...(consent !== undefined ? { consent } : {}) };

  if (lenient) {
    if (contact.email === undefined && contact.phone === undefined) {
      // Nobody could call or write back: refused, with every field the sender should fix.
      throw new InvalidLead([
        { field: 'email', message: 'an email or a phone number is required' },
        ...findings.flags.map((flag) => ({ field: flag.field, message: `as given, ${flagWords(flag)} (${flag.problem})` })),
      ]);
    }
    return findings.flags.length > 0 ? { ...lead, quality: findings.flags } : lead;
  }
  const { problems } = findings;
  // A bad email or phone was already named; "one is required" would only repeat it.
  const contactProblem = problems.some((problem) => problem.field === 'email' || problem.field === 'phone');
  if (contact.email === undefined && data.phone === undefined && !contactProblem) {
    problems.push({ field: 'email', message: 'an email or a phone number is required' });
  }
  if (problems.length > 0) throw new InvalidLead(problems);
  return lead;
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
  /** Until when the owner of this attempt may accept (offered leads). */
  readonly acceptDeadline?: string;
  /** The contact deadline whose escalation was recorded (a reassigned lead gets a new one). */
  readonly escalatedDeadline?: string;
  /** When the owner was last emailed about resubmissions (at most once an hour). */
  readonly resubmissionNoticeAt?: string;
  /** How many of the lead's resubmissions the owner has been told about. */
  readonly resubmissionsTold?: number;
  /** The end of a quiet period for which the owner's summary of resubmissions was planned. */
  readonly resubmissionSummaryAt?: string;
  /** Times a step of this lead's SLA timer gave up after its retries. */
  readonly timerFailures?: number;
  /** TTL of the lead and everything under its key (epoch seconds). */
  readonly expiresAt?: number;
  /** Attempt whose owner was reminded of the deadline. */
  readonly remindedAttempt?: number;
  /** Attempt (while queued) at which the lead was opened to the whole team. */
  readonly openedAttempt?: number;
  /** Where the contact SLA counts from: receipt, or the moment a missed lead was reassigned. */
  readonly slaStartedAt?: string;
  readonly contact: LeadContact;
  readonly fields: Readonly<Record<string, string>>;
  readonly consent?: boolean;
  /**
   * Fields a server sent malformed, kept as sent beside the contact (never in it): shown to the
   * rep, and each costs the scoring's `flaggedFieldPenalty`. See `lead-quality.ts`.
   */
  readonly quality?: readonly FieldFlag[];
  /** The lead source it came in through (`web` for the open `POST /leads`). */
  readonly sourceId?: string;
  /** Times the same person got in touch again within the duplicate window (each is in the history). */
  readonly resubmissions?: number;
  /** Duplicate-detection and idempotency items that point at this lead, erased with it. */
  readonly intakeKeys?: readonly { pk: string; sk: string }[];
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
    ...(input.consent !== undefined ? { consent: input.consent } : {}),
    ...(input.quality?.length ? { quality: input.quality } : {}),
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
