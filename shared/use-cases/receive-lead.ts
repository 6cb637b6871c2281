import { createHash, randomUUID } from 'node:crypto';
import {
  IdempotencyConflict,
  contactKeys,
  type ContactPointer,
  type CreateOutcome,
  type IdempotencyRecord,
  type IntakeStatus,
  type NewLeadIntake,
  type Resubmission,
} from '../adapters/intake-store.ts';
import type { RoutingSettings } from '../config/stack-config.ts';
import {
  IdempotencyKeyReused,
  InvalidSignature,
  LeadNotFound,
  LeadStateConflict,
  MalformedRequest,
  OriginNotAllowed,
  TemporarilyUnavailable,
  TooManyRequests,
} from '../domain/errors.ts';
import { createLead, LeadStatus, parseLeadInput, type Lead, type NewLead } from '../domain/lead.ts';
import { sameSecret } from '../domain/signed-token.ts';
import { decodeBody, LEAD_BODY_KINDS, parsePostedBody } from '../http/request.ts';
import { leadFields } from '../ingest/lead-fields.ts';
import { presets } from '../ingest/presets/index.ts';
import { verifySignature } from '../ingest/signatures.ts';
import { isPlatformSource, type Intake, type PostingSource, type Source } from '../ingest/source-config.ts';
import type { Preset, Submission } from '../ingest/submission.ts';
import type { ResolvedSource } from '../ingest/source-directory.ts';
import { defaultTeamOf } from '../routing/config-schema.ts';
import { classifyLead } from '../routing/classify.ts';
import type { LeadReader } from './ports.ts';

/**
 * What intake writes beside the lead: the first answer to each idempotency key, and the pointers
 * from a person's email and phone to their open lead, each kept with the lead it answers for.
 */
export interface IntakeRecords {
  priorResponse(sourceId: string, key: string, now: Date): Promise<IdempotencyRecord | undefined>;
  /** The leads these contact keys point at, while the pointers are live. */
  liveContacts(keys: readonly string[], now: Date): Promise<ContactPointer[]>;
  /**
   * A new lead with its key, its contact pointers and its routing, in one transaction; not
   * created when a concurrent post took the key or the contact first.
   */
  create(lead: Lead, intake: NewLeadIntake): Promise<CreateOutcome>;
  /**
   * The post joins the person's open lead. Throws `IdempotencyConflict` when a concurrent post
   * took the key first, `LeadNotFound` or `LeadStateConflict` when the lead is closed or gone.
   */
  join(leadId: string, resubmission: Resubmission): Promise<unknown>;
}

/** A fixed window of posts per client and scope. */
export interface RateLimit {
  take(scope: string, client: string, limit: number, now: Date): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
}

/** The lead source of an id (the stack's default without one), with the secret it verifies with. */
export interface SourceResolver {
  resolve(sourceId: string | undefined): Promise<ResolvedSource>;
}

export interface ReceiveLeadDeps {
  readonly leads: LeadReader;
  readonly intakeStore: IntakeRecords;
  readonly rateLimiter: RateLimit;
  readonly settings: RoutingSettings;
  readonly intake: Intake;
  readonly now: () => Date;
  /** The contact SLA in real milliseconds (time-scaled locally). */
  readonly contactWithinMs: number;
  /** Notes the caller may log (a dropped bot post, a lost owner notification). */
  readonly note?: (message: string, detail: Record<string, unknown>) => void;
}

/** What taking a submission needs: all of the webhook's dependencies but its rate limit (only browsers' posts have one). */
export type IntakeDeps = Omit<ReceiveLeadDeps, 'rateLimiter'>;

/** One HTTP delivery to a lead webhook, as the handler read it from API Gateway. */
export interface Delivery {
  /** From the path; absent for `POST /leads`, the stack's default source. */
  readonly sourceId?: string;
  readonly method: string;
  /** The full URL the sender called (HubSpot signs it). */
  readonly url: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
  readonly clientIp: string;
}

export interface Received {
  readonly source: Source;
  /** The lead id the sender is answered with. */
  readonly leadId: string;
  /** `joined`: the same person's recent lead took this post (told only to authenticated senders). */
  readonly status: IntakeStatus;
  /**
   * The open lead a public post joined, which its answer does not name: the poster may be anyone
   * who knows the address, so they are answered as for a new lead (for logs and metrics only).
   */
  readonly joinedLeadId?: string;
  /** The answer to an idempotency key seen before: nothing new was written. */
  readonly replayed?: boolean;
  /** A bot's post (honeypot filled): thanked like anyone else, but nothing was stored. */
  readonly dropped?: boolean;
}

/** The source a delivery is for, and whether its Origin may post (throws otherwise). */
export async function sourceFor(delivery: Pick<Delivery, 'sourceId' | 'headers'>, sources: SourceResolver): Promise<ResolvedSource> {
  const resolved = await sources.resolve(delivery.sourceId);
  const origin = delivery.headers.origin;
  if (origin !== undefined && !originAllowed(resolved.source, origin)) {
    throw new OriginNotAllowed(`Pages on ${origin} may not post to the lead source "${resolved.source.id}"`);
  }
  return resolved;
}

/** Browsers may post to a public source from its allowed origins (any, when none are listed); to other sources, not at all. */
export function originAllowed(source: Source, origin: string): boolean {
  if (source.auth !== 'public') return false;
  return source.allowedOrigins.length === 0 || source.allowedOrigins.includes(origin.toLowerCase());
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Receive a lead from a landing page, a form builder or a partner's server.
 * 1. For the source found by `sourceFor`: check the client's rate, or the sender's signature or
 *    token (a token the sender carries in its payload, as Google Ads does, once the body is read).
 * 2. Read the body with the sender's preset, map it by the source's rules, validate and normalize it.
 * 3. A key seen before (Idempotency-Key header or the sender's event id) gets its first answer again.
 * 4. The same email or phone as a recent open lead joins that lead, and the router is told (it
 *    routes a lead still waiting, or tells the owner of a held one); a nurtured lead that now
 *    scores hot or warm goes back to routing for sales. Otherwise a new lead is stored with its
 *    key, its contact pointers and its routing in one transaction. A public source's post is
 *    answered as a new lead either way, and its values do not enter the lead's contact.
 * 5. The routing is sent at once; if that fails it stays recorded, and the effects relay sends it.
 */
export async function receiveLead(delivery: Delivery, { source, secret }: ResolvedSource, deps: ReceiveLeadDeps): Promise<Received> {
  const now = deps.now();
  if (isPlatformSource(source)) {
    // A platform's notification names leads to fetch; receivePlatformNotification takes it.
    throw new Error(`The ${source.auth} source "${source.id}" is taken by receivePlatformNotification, not receiveLead`);
  }
  if (source.auth === 'public') {
    const slot = await deps.rateLimiter.take(`source:${source.id}`, delivery.clientIp, source.perClientPerMinute, now);
    if (!slot.allowed) {
      throw new TooManyRequests(`More than ${source.perClientPerMinute} posts a minute from this address; try again shortly`, slot.retryAfterSeconds);
    }
  }
  const preset = presets[source.preset];
  const body = decodeBody({ headers: delivery.headers, body: delivery.body, isBase64Encoded: delivery.isBase64Encoded }, { kinds: LEAD_BODY_KINDS });
  const tokenInBody = authenticate(source, secret, delivery, body.text, now, preset);
  const posted = await parsePostedBody(body);
  if (tokenInBody) checkToken(source, preset.bodyToken!.read(posted.value), secret, preset.bodyToken!.where);
  if (posted.droppedFiles.length > 0) deps.note?.('file parts dropped', { source: source.id, parts: posted.droppedFiles.slice(0, 20) });

  const submission = preset.extract(posted.value, { mapped: new Set(Object.values(source.mapping)) });
  const key = idempotencyKey(delivery, submission.eventId);
  const bodyHash = createHash('sha256').update(body.bytes).digest('base64url');
  return takeSubmission(source, submission, { ...(key ? { key } : {}), bodyHash, clientKey: Boolean(delivery.headers['idempotency-key']) }, deps);
}

/** How a submission is recognised when it comes again. */
export interface SubmissionIdentity {
  /** `key:<Idempotency-Key>` or `event:<sender's id>`; none, and every delivery is new. */
  readonly key?: string;
  /** Of what was delivered: a client's key sent again with another body is refused. */
  readonly bodyHash: string;
  /** The key is a client's Idempotency-Key (not the sender's own event id). */
  readonly clientKey: boolean;
}

/**
 * Steps 2 to 5 for a submission already read, from any source: a webhook's post, or a lead an
 * ad platform's API returned for its notification (the platform's lead id is its event id).
 */
export async function takeSubmission(source: Source, submission: Submission, identity: SubmissionIdentity, deps: IntakeDeps): Promise<Received> {
  const now = deps.now();
  const { fields, honeypot } = leadFields(submission, source);
  if (honeypot) {
    // Thanked like anyone else, so the bot learns nothing; nothing is stored.
    deps.note?.('honeypot filled; post dropped', { source: source.id });
    return { source, leadId: randomUUID(), status: 'received', dropped: true };
  }
  // A server's post is kept with its malformed fields flagged (a 4xx would lose it for good);
  // a browser's form post gets them back to fix.
  const input = parseLeadInput(fields, { lenient: source.auth !== 'public', ...(deps.intake.defaultCountry ? { defaultCountry: deps.intake.defaultCountry } : {}) });

  const claim = identity.key ? { sourceId: source.id, key: identity.key, bodyHash: identity.bodyHash } : undefined;
  const idempotencyUntil = now.getTime() + deps.intake.idempotencyHours * 3_600_000;
  // A lost race on a key or a contact is retried once: the second pass finds the winner.
  for (let pass = 0; pass < 3; pass++) {
    if (claim) {
      const prior = await deps.intakeStore.priorResponse(source.id, claim.key, now);
      if (prior) {
        // A sender's own event id may be redelivered with a new envelope; a client's key may not.
        if (prior.bodyHash !== claim.bodyHash && identity.clientKey) {
          throw new IdempotencyKeyReused('This Idempotency-Key was already used for a different lead; use a new key per lead');
        }
        return { source, leadId: prior.leadId, status: prior.status, replayed: true };
      }
    }
    const outcome = await joinOrCreate(source, input, claim, idempotencyUntil, now, deps);
    if (outcome) return outcome;
  }
  throw new TemporarilyUnavailable('the lead could not be stored for concurrent posts of the same person; please retry');
}

function idempotencyKey(delivery: Delivery, eventId: string | undefined): string | undefined {
  const header = delivery.headers['idempotency-key']?.trim();
  if (header !== undefined && header !== '') {
    if (!IDEMPOTENCY_KEY.test(header)) throw new MalformedRequest('Idempotency-Key must be 1 to 255 visible ASCII characters');
    return `key:${header}`;
  }
  return eventId ? `event:${eventId.slice(0, 255)}` : undefined;
}

/**
 * Checks the sender's signature or token, before the body is read. Returns true when the token
 * is to be read from the body, for a sender that carries it there (the preset's `bodyToken`)
 * and no header or query parameter brought one.
 */
function authenticate(source: PostingSource, secret: string | undefined, delivery: Delivery, rawBody: string, now: Date, preset: Preset): boolean {
  if (source.auth === 'public') return false;
  if (source.auth === 'signed') {
    verifySignature(source.signature, { method: delivery.method, url: delivery.url, headers: delivery.headers, rawBody }, secret!, now, source.replayWindowSeconds);
    return false;
  }
  const token = delivery.headers['x-lead-router-token'] ?? delivery.query.token;
  if (token === undefined && preset.bodyToken) return true;
  checkToken(source, token, secret);
  return false;
}

/** A token source's token, compared in constant time; `where` names where this sender puts it. */
function checkToken(source: Source, token: string | undefined, secret: string | undefined, where?: string): void {
  if (!token) {
    const places = where ? `${where}, or in the X-Lead-Router-Token header or the token query parameter` : 'the X-Lead-Router-Token header or the token query parameter';
    throw new InvalidSignature(`The source "${source.id}" needs its token in ${places}`);
  }
  if (!sameSecret(token, secret!)) throw new InvalidSignature(`Wrong token${where ? ` in ${where}` : ''} for the source "${source.id}"`);
}

/** One pass of steps 4 and 5; undefined when a concurrent post won a race and the pass must be repeated. */
async function joinOrCreate(
  source: Source,
  input: NewLead,
  claim: { sourceId: string; key: string; bodyHash: string } | undefined,
  idempotencyUntil: number,
  now: Date,
  deps: IntakeDeps,
): Promise<Received | undefined> {
  const dedupe = deps.intake.dedupeWindowHours > 0;
  const stale: ContactPointer[] = [];
  const expiresAt = Math.floor(now.getTime() / 1000) + deps.settings.retentionDays * 86_400;
  if (dedupe) {
    // Anyone may post to a public source with someone else's address: the poster learns nothing
    // of the lead they joined (a fresh id answers them, kept by the idempotency record for a
    // replay) and changes nothing in its contact; the owner's rep may take the values over.
    const trusted = source.auth !== 'public';
    for (const pointer of await deps.intakeStore.liveContacts(contactKeys(input.contact), now)) {
      const answeredAs = trusted ? undefined : randomUUID();
      // Read once: whether it is nurtured (to reopen), and its TTL, which what the post adds shares.
      const joined = await deps.leads.get(pointer.leadId);
      if (!joined) {
        stale.push(pointer);
        continue;
      }
      try {
        const reopen = reopening(joined, input, trusted, deps);
        await deps.intakeStore.join(pointer.leadId, {
          at: now,
          sourceId: source.id,
          contact: input.contact,
          fields: input.fields,
          ...(input.quality ? { quality: input.quality } : {}),
          fillContact: trusted,
          ...(answeredAs ? { answeredAs } : {}),
          ...(claim ? { idempotency: claim } : {}),
          idempotencyUntil,
          // A lead kept without a TTL leaves what the post adds the one a new lead would get.
          expiresAt: joined.expiresAt ?? expiresAt,
          ...(reopen ? { reopen } : {}),
        });
      } catch (error) {
        if (error instanceof IdempotencyConflict) return undefined;
        if (error instanceof LeadNotFound || error instanceof LeadStateConflict) {
          // Closed or erased: this person starts a new lead, and the pointer moves to it.
          stale.push(pointer);
          continue;
        }
        throw error;
      }
      return answeredAs ? { source, leadId: answeredAs, status: 'received', joinedLeadId: pointer.leadId } : { source, leadId: pointer.leadId, status: 'joined' };
    }
  }

  const lead = { ...createLead(input, defaultTeamOf(deps.settings.routing).id, { now, contactWithinMs: deps.contactWithinMs }), sourceId: source.id, expiresAt };
  const created = await deps.intakeStore.create(lead, {
    expiresAt,
    now,
    idempotencyUntil,
    ...(claim ? { idempotency: claim } : {}),
    ...(dedupe ? { dedupeUntil: now.getTime() + deps.intake.dedupeWindowHours * 3_600_000, stale } : {}),
  });
  if (!created.created) return undefined;
  return { source, leadId: lead.id, status: 'received' };
}

/**
 * A nurtured lead the same person writes to again is scored again with what they sent now: hot
 * or warm, it goes back to routing for sales (`reopen`); still cold, it stays with marketing.
 *
 * An authenticated sender's values count over the stored ones. A public post's only add to
 * them: what the lead already holds (what the person told us themselves) wins, so a stranger who
 * knows the address cannot re-score the lead by contradicting it. Adding interest, which may
 * reopen the lead, is no more than a stranger could do by posting a new lead for the address.
 */
function reopening(lead: Lead, input: NewLead, trusted: boolean, deps: IntakeDeps): { tier: string; score: number } | undefined {
  if (lead.status !== LeadStatus.nurture) return undefined;
  const given = Object.fromEntries(Object.entries(input.contact).filter(([, value]) => value !== undefined));
  const merged = trusted
    ? { ...lead, contact: { ...lead.contact, ...given }, fields: { ...lead.fields, ...input.fields } }
    : { ...lead, contact: { ...given, ...lead.contact }, fields: { ...input.fields, ...lead.fields } };
  const classification = classifyLead(merged, deps.settings.routing);
  return classification.department === 'marketing' ? undefined : { tier: classification.tier, score: classification.score };
}
