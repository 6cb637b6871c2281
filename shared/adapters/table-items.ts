import { randomBytes } from 'node:crypto';
import type { Lead, LeadContact, LeadStatus, Tier } from '../domain/lead.ts';
import type { FieldFlag } from '../domain/lead-quality.ts';
import type { RepProfile } from '../routing/eligibility.ts';
import type { EffectRecord } from './outbox.ts';

/**
 * The single table's layout: the key of every kind of item and index entry, and how an item
 * reads back as a domain value. Every store builds its keys here, so this is the one place that
 * says what lives where.
 *
 *   pk                      sk                  item
 *   LEAD#<lead>             LEAD                the lead; gsi1 team queue, gsi2 owner, gsi3 due
 *   LEAD#<lead>             EVENT#<at>#<rand>   one entry of its history
 *   LEAD#<lead>             EFFECT#<effect>     an outbox record of the lead; gsi3 while not done
 *   REP#<rep>               PROFILE             a rep and their load counters; gsi1 team roster, gsi4 roster changes
 *   REP#<rep>               EFFECT#<effect>     an outbox record of the rep's; gsi3 while not done
 *   EMAIL#<address>         REP                 the sign-in pointer to a rep
 *   CONTACT#<email|phone>   CONTACT             duplicate detection: the person's recent lead
 *   IDEMPOTENCY#<src>#<key> IDEMPOTENCY         the first answer given to an idempotency key
 *   SOURCE#<source>         SOURCE              a source (or a source secret) an admin added
 *   <window key>            ONCE-PER            a once-per window of an email
 *   ONCE#<token>            SPENT               a spent single-use token
 *   RATE#<scope>#<client>   <minute>            a rate-limit window
 *   FRANCHISE#MAP           CURRENT             the franchise map's current version (a pointer)
 *   FRANCHISE#MAP           VERSION#<version>   one version of it: who, when, why, its size and checksum
 *   FRANCHISE#MAP#<version> CHUNK#<i>           its bytes, in chunks of at most 300,000
 *
 * DynamoDB's TTL deletes an item once its `expiresAt` (epoch seconds) has passed. Whatever
 * belongs to a lead (its history, its effects, the contact pointers and idempotency records that
 * lead to it) expires no later than the lead itself: `expiryWithin` is that rule. A rep's effect
 * records expire a day after they were made (`effectExpiry`). The franchise map's versions never
 * expire: each keeps who changed the map, when, and what it was before.
 */

const LEAD = 'LEAD#';
const EVENT = 'EVENT#';
const EFFECT = 'EFFECT#';
const REP = 'REP#';
const CONTACT = 'CONTACT#';

// --- Leads and what hangs under their key

/** One entry of a lead's history: who did what, when, from which state, and why. */
export interface LeadEvent {
  readonly at: string;
  readonly kind: string;
  readonly actor: string;
  readonly from?: LeadStatus;
  readonly to?: LeadStatus;
  readonly detail?: Record<string, unknown>;
}

/**
 * The TTL of an item that belongs to a lead: the lead's own (`expiresAt`, from the stack's
 * `retentionDays`), or the end of the item's own window (epoch ms: a contact pointer, an
 * idempotency record, a once-per window) when that comes first. Never later than the lead, so
 * nothing about a person outlives their lead. No TTL on either side: no `expiresAt` at all.
 */
export function expiryWithin(leadExpiresAt: number | undefined, ownUntilMs?: number): { readonly expiresAt?: number } {
  const own = ownUntilMs === undefined ? undefined : Math.ceil(ownUntilMs / 1000);
  const bounds = [leadExpiresAt, own].filter((bound) => bound !== undefined);
  return bounds.length === 0 ? {} : { expiresAt: Math.min(...bounds) };
}

/** The partition of a lead: the lead item, its history and its effect records. */
export const leadPartition = (leadId: string) => `${LEAD}${leadId}`;
export const leadKey = (leadId: string) => ({ pk: leadPartition(leadId), sk: 'LEAD' });
/** Sort key prefixes of what a lead's partition holds besides the lead. */
export const historyPrefix = EVENT;
export const effectsPrefix = EFFECT;

/** One history event of a lead, expiring with it (`leadExpiresAt`: the lead's TTL as read). */
export function eventItem(leadId: string, event: LeadEvent, leadExpiresAt: number | undefined) {
  // The random suffix keeps two events in the same millisecond apart; the time prefix keeps order.
  return { pk: leadPartition(leadId), sk: `${EVENT}${event.at}#${randomBytes(3).toString('hex')}`, type: 'lead-event', ...event, ...expiryWithin(leadExpiresAt) };
}

// --- Effect records and whose they are

/**
 * Whose an effect record is, and so under whose key it lives: a lead's (what its transitions
 * left to be done; erased and expiring with the lead) or a rep's (what a change to their own
 * account left to be done: a sign-in link, the team queue offered again once they can take a
 * lead). Exactly one of the two.
 */
export type EffectOwner = { readonly leadId: string; readonly repId?: undefined } | { readonly repId: string; readonly leadId?: undefined };

/** A rep's effect records are kept this long after they were made: a drain or a sign-in link is worth nothing a day later. */
export const REP_EFFECT_TTL_MS = 24 * 3_600_000;

const ownerPartition = (owner: EffectOwner) => (owner.leadId !== undefined ? leadPartition(owner.leadId) : repPartition(owner.repId));
export const effectKey = (owner: EffectOwner, effectId: string) => ({ pk: ownerPartition(owner), sk: `${EFFECT}${effectId}` });

/** Just the owner of a record (which carries much else), for keys, logs and tags. */
export const ownerOf = (owner: EffectOwner): EffectOwner => (owner.leadId !== undefined ? { leadId: owner.leadId } : { repId: owner.repId });
/** `lead <id>` or `rep <id>`, as messages name the owner. */
export const ownerLabel = (owner: EffectOwner) => (owner.leadId !== undefined ? `lead ${owner.leadId}` : `rep ${owner.repId}`);

/**
 * The TTL of an effect record: a lead's expires with the lead (`leadExpiresAt`, its TTL as
 * read), a rep's a day after it was made (`REP_EFFECT_TTL_MS`), since nothing about it should
 * outlive its use: a sign-in email holds a link.
 */
export const effectExpiry = (owner: EffectOwner, now: Date, leadExpiresAt: number | undefined) =>
  owner.leadId !== undefined ? expiryWithin(leadExpiresAt) : expiryWithin(undefined, now.getTime() + REP_EFFECT_TTL_MS);

// --- A form's own field names as map keys

/**
 * Field names the SDK's marshalling cannot carry as map keys: it drops `__proto__` both ways
 * and refuses an object with an own `constructor`. Those are stored with a `~` in front (as is
 * any name that starts with one, so reading back is unambiguous) and read back as they came.
 */
const FIELD_ESCAPE = '~';
const escaped = (name: string) => name === '__proto__' || name === 'constructor' || name.startsWith(FIELD_ESCAPE);

export function storedFields(fields: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([name, value]) => [escaped(name) ? `${FIELD_ESCAPE}${name}` : name, value]));
}

/** A stored fields map as the lead's fields, without a prototype (see `storedFields`). */
export function fieldsOf(stored: unknown): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  if (typeof stored !== 'object' || stored === null) return fields;
  for (const [name, value] of Object.entries(stored)) fields[name.startsWith(FIELD_ESCAPE) ? name.slice(FIELD_ESCAPE.length) : name] = String(value);
  return fields;
}

/** The names of the fields a post sent malformed, in the order they were found: what a history event lists. */
export const flaggedFields = (quality: readonly Pick<FieldFlag, 'field'>[]): string[] => [...new Set(quality.map((flag) => flag.field))];

/**
 * The two puts that create a lead: the lead, only if its id is new, and its "received" event,
 * which names the source and the fields it was kept with although malformed (`flagged`).
 */
export function newLeadItems(tableName: string, lead: Lead, expiresAt: number) {
  const detail = {
    ...(lead.sourceId ? { source: lead.sourceId } : {}),
    ...(lead.quality?.length ? { flagged: flaggedFields(lead.quality) } : {}),
  };
  return [
    { Put: { TableName: tableName, Item: { ...leadKey(lead.id), type: 'lead', ...lead, fields: storedFields(lead.fields), expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' } },
    {
      Put: {
        TableName: tableName,
        Item: eventItem(lead.id, { at: lead.receivedAt, kind: 'received', actor: 'webhook', to: lead.status, ...(Object.keys(detail).length ? { detail } : {}) }, expiresAt),
      },
    },
  ];
}

/**
 * Whose an item under a lead's or a rep's key is, and which of their effects it is, if one: what
 * the due index holds (leads, and the effect records of leads and reps) read back.
 */
export function ownedItemOf(item: Record<string, unknown>): { readonly owner: EffectOwner; readonly effectId?: string } {
  const pk = String(item.pk);
  const sk = String(item.sk);
  const owner: EffectOwner = pk.startsWith(REP) ? { repId: pk.slice(REP.length) } : { leadId: pk.slice(LEAD.length) };
  return sk.startsWith(EFFECT) ? { owner, effectId: sk.slice(EFFECT.length) } : { owner };
}

// --- Index entries

const tierRank: Record<Tier, number> = { hot: 1, warm: 2, cold: 3 };
/** The team queue index (gsi1): a team's queued leads, hot before warm before cold, then oldest first. */
export const teamQueueKey = (teamId: string) => `QUEUE#${teamId}`;
export const teamQueueSortKey = (tier: Tier, lead: Pick<Lead, 'receivedAt' | 'id'>) => `${tierRank[tier]}#${lead.receivedAt}#${lead.id}`;

/** The owner index (gsi2): a rep's open leads (offered, accepted, contacted), newest offer last. */
export const ownerIndexKey = (repId: string) => `OWNER#${repId}`;

/** The team roster index (gsi1): a team's reps. */
export const teamRosterKey = (teamId: string) => `TEAM#${teamId}`;
export const teamRosterKeys = (teamId: string, repId: string) => ({ gsi1pk: teamRosterKey(teamId), gsi1sk: `${REP}${repId}` });
export const rosterPrefix = REP;

/**
 * The roster change index (gsi4): a team's reps by when their item last changed, so a router
 * holding a team's roster reads only the reps changed since it last looked, never the whole team
 * again. The partition is the roster's (`TEAM#<team>`, set wherever gsi1pk is); the sort key is
 * the writer's wall-clock time with milliseconds, then the rep, and every write of a rep's item
 * sets it anew. The writer's clock, not the change's business time: a reader compares it with
 * its own clock (less a margin for skew and index lag), and a time-scaled or replayed `at` would
 * put a change where no reader looks.
 */
export const rosterChangeStamp = (repId: string, at: Date = new Date()) => `${at.toISOString()}#${repId}`;
export const rosterChangeKeys = (teamId: string, repId: string, at?: Date) => ({ gsi4pk: teamRosterKey(teamId), gsi4sk: rosterChangeStamp(repId, at) });

/** An update of a rep's item: what `stampRosterChange` adds to. */
interface RepItemUpdate {
  readonly UpdateExpression: string;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

/**
 * The update of a rep's item, also stamping the change in the roster change index (gsi4sk), and
 * with `teamId` its partition too (gsi4pk: for a write that knows, and holds by its condition,
 * the rep's team). A write that does not know the team leaves gsi4pk as the rep's add or last
 * team change wrote it. The stamp joins the expression's SET clause (an expression has at most
 * one), or opens one.
 */
export function stampRosterChange<U extends RepItemUpdate>(update: U, repId: string, { teamId, at }: { readonly teamId?: string; readonly at?: Date } = {}): U {
  const keys = teamId === undefined ? { gsi4sk: rosterChangeStamp(repId, at) } : rosterChangeKeys(teamId, repId, at);
  const assignments = Object.keys(keys).map((field) => `${field} = :${field}Stamp`).join(', ');
  const values = Object.fromEntries(Object.entries(keys).map(([field, value]) => [`:${field}Stamp`, value]));
  const expression = update.UpdateExpression.trim();
  const setClause = /(^|\s)SET\s/;
  return {
    ...update,
    UpdateExpression: setClause.test(expression) ? expression.replace(setClause, `$1SET ${assignments}, `) : `SET ${assignments} ${expression}`,
    ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ...values },
  };
}

/**
 * The sparse index of things that are due (gsi3): leads whose next deadline passed, effects (of
 * leads and of reps) past their retry budget. An entry is spread over the shards by its owner:
 * a lead's by its id (as before reps had effects), a rep's by its key, so the two never collide.
 */
export const DUE_SHARDS = 4;
export const dueShards = Array.from({ length: DUE_SHARDS }, (_, i) => `DUE#${i}`);
const dueName = (owner: EffectOwner) => (owner.leadId !== undefined ? owner.leadId : repPartition(owner.repId));
export function dueShard(owner: EffectOwner): string {
  let hash = 0;
  for (const char of dueName(owner)) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return dueShards[hash % DUE_SHARDS]!;
}
export const dueIndexKeys = (owner: EffectOwner, dueAt: string, effectId?: string) => ({
  gsi3pk: dueShard(owner),
  gsi3sk: `${dueAt}#${dueName(owner)}${effectId ? `#${effectId}` : ''}`,
});

// --- Reps

/** The partition of a rep: their profile and their effect records. */
export const repPartition = (repId: string) => `${REP}${repId}`;
export const repKey = (repId: string) => ({ pk: repPartition(repId), sk: 'PROFILE' });
/** One item per address: sign-in finds the rep by email, and no two reps share one. */
export const emailKey = (email: string) => ({ pk: `EMAIL#${email.trim().toLowerCase()}`, sk: 'REP' });

// --- Intake

/** `email:ana@example.com`, `phone:+4930123456`: the ways one person is recognised. */
export function contactKeys(contact: Pick<LeadContact, 'email' | 'phone'>): string[] {
  return [...(contact.email ? [`email:${contact.email}`] : []), ...(contact.phone ? [`phone:${contact.phone}`] : [])];
}

export const contactItemKey = (key: string) => ({ pk: `${CONTACT}${key}`, sk: 'CONTACT' });
/** The contact key (`email:…`, `phone:…`) a contact pointer is stored under. */
export const contactOf = (item: Record<string, unknown>) => String(item.pk).slice(CONTACT.length);
export const idempotencyItemKey = (sourceId: string, key: string) => ({ pk: `IDEMPOTENCY#${sourceId}#${key}`, sk: 'IDEMPOTENCY' });
export const sourceItemKey = (sourceId: string) => ({ pk: `SOURCE#${sourceId}`, sk: 'SOURCE' });

// --- Guards of one-off actions

export const oncePerKey = (windowKey: string) => ({ pk: windowKey, sk: 'ONCE-PER' });
export const spentTokenKey = (tokenId: string) => ({ pk: `ONCE#${tokenId}`, sk: 'SPENT' });
export const rateWindowKey = (scope: string, client: string, minute: number) => ({ pk: `RATE#${scope}#${client}`, sk: String(minute) });

// --- The franchise map, versioned

const FRANCHISE_MAP = 'FRANCHISE#MAP';
/** Versions (8 digits) and chunks (4) are zero-padded, so sort-key order is numeric order. */
const padded = (n: number, digits: number) => String(n).padStart(digits, '0');
export const franchisePointerKey = { pk: FRANCHISE_MAP, sk: 'CURRENT' } as const;
export const franchiseVersionPartition = FRANCHISE_MAP;
export const franchiseVersionPrefix = 'VERSION#';
export const franchiseVersionKey = (version: number) => ({ pk: FRANCHISE_MAP, sk: `${franchiseVersionPrefix}${padded(version, 8)}` });
/** The partition of one version's bytes: its chunks and nothing else. */
export const franchiseChunkPartition = (version: number) => `${FRANCHISE_MAP}#${padded(version, 8)}`;
export const franchiseChunkPrefix = 'CHUNK#';
export const franchiseChunkKey = (version: number, index: number) => ({ pk: franchiseChunkPartition(version), sk: `${franchiseChunkPrefix}${padded(index, 4)}` });

// --- Items back to domain values

/** Table and index keys: the table's, not the value's. */
const keyAttributes = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'gsi4pk', 'gsi4sk'] as const;

function withoutKeys(item: Record<string, unknown>, ...also: readonly string[]): Record<string, unknown> {
  const value = { ...item };
  for (const attribute of [...keyAttributes, ...also]) delete value[attribute];
  return value;
}

export const toLead = (item: Record<string, unknown>) =>
  ({ ...withoutKeys(item, 'type'), ...(item.fields === undefined ? {} : { fields: fieldsOf(item.fields) }) }) as unknown as Lead;

export function toLeadEvent(item: Record<string, unknown>): LeadEvent {
  const event = withoutKeys(item, 'type', 'expiresAt') as unknown as LeadEvent;
  // A resubmission's history entry holds the fields the person sent again.
  const fields = event.detail?.fields;
  return fields === undefined ? event : { ...event, detail: { ...event.detail, fields: fieldsOf(fields) } };
}
export const toEffectRecord = (item: Record<string, unknown>) => withoutKeys(item, 'expiresAt') as EffectRecord;
export const toRep = (item: Record<string, unknown>) => withoutKeys(item, 'type') as unknown as RepProfile;
