import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type * as z from '../zod.ts';
import { CapacityAboveMaximum, RepDisabled, RepNotFound, SessionEnded } from '../domain/errors.ts';
import { RepProfileSchema, type RepProfile, type Unreachable } from '../routing/eligibility.ts';
import { dynamoDocument } from './aws-clients.ts';
import { updateIf } from './conditional-update.ts';
import type { StoredEffectRecord } from './lead-queries.ts';
import type { NewEffect, Outbox } from './outbox.ts';
import { conditionFailed, endSessions, updateRepIf, updateRepWith, type RepWrites } from './rep-account-writes.ts';
import { queryAll, queryPartition } from './query-all.ts';
import { effectsPrefix, emailKey, repKey, repPartition, rosterChangeKeys, rosterPrefix, stampRosterChange, teamRosterKey, teamRosterKeys, toEffectRecord, toRep } from './table-items.ts';

export { repKey } from './table-items.ts';
export { RepChangedMeanwhile, type AdminRepChanges, type Switched } from './rep-account-writes.ts';

export type Rep = RepProfile;
/** A rep as an admin or the seed describes them; load and rotation state start fresh. */
export type NewRep = z.input<typeof RepProfileSchema>;

/** What a rep may change about themselves in the portal; everything else is the admin's. */
export type ProfileChanges = Pick<RepProfile, 'active' | 'products' | 'languages' | 'capacity' | 'timeZone'> &
  Partial<Pick<RepProfile, 'territory' | 'workingHours' | 'outOfOfficeUntil'>>;

/** A profile save holds only while the session it came from is current (see shared/portal/session.ts). */
export interface SavedBySession {
  readonly sessionVersion: number;
}

/** A profile save is retried this often when the rep changed meanwhile without making it wrong. */
const PROFILE_SAVE_TRIES = 3;

export interface RepStoreOptions {
  /**
   * Records (and, where this function can, performs) what must follow a change to a rep's
   * account (a sign-in link, the team queue offered again, the manager's notice of a bounced
   * address) with the write itself. A store without one makes no such change.
   */
  readonly outbox?: Outbox;
  readonly db?: DynamoDBDocumentClient;
}

/**
 * The items a new rep is stored as: their profile with no open leads and a fresh place in the
 * rotation, in their team's roster and change index (gsi1, gsi4), and the sign-in pointer of
 * their address.
 */
export function newRepItems(input: NewRep): { readonly rep: Record<string, unknown>; readonly email: Record<string, unknown> } {
  const profile = RepProfileSchema.parse({ ...input, openLeads: 0 });
  const { dayKey: _d, dayCount: _dc, weekKey: _w, weekCount: _wc, virtualTime: _vt, unreachable: _u, sessionVersion: _sv, disabled, ...rest } = profile;
  // Stored only when set: an absent flag is a rep who is not switched off.
  const fresh = disabled ? { ...rest, disabled } : rest;
  const email = profile.email.toLowerCase();
  return {
    rep: { ...repKey(profile.id), type: 'rep', ...fresh, email, ...teamRosterKeys(profile.teamId, profile.id), ...rosterChangeKeys(profile.teamId, profile.id) },
    email: { ...emailKey(email), type: 'rep-email', repId: profile.id },
  };
}

/**
 * Rep profiles, with the live load counters the router's transaction conditions on, and the
 * effects of their account changes: the reads, a rep's own changes (sign-in, profile, sessions)
 * and a bounce's marks. The admin's writes (adding, switching, changing a rep) are
 * `AdminRepStore`'s (admin-rep-store.ts).
 */
export class RepStore {
  protected readonly table: string;
  protected readonly db: DynamoDBDocumentClient;
  protected readonly writes: RepWrites;

  constructor(tableName: string, options: RepStoreOptions | DynamoDBDocumentClient = {}) {
    const resolved: RepStoreOptions = 'send' in options ? { db: options } : options;
    this.table = tableName;
    this.db = resolved.db ?? dynamoDocument;
    this.writes = { db: this.db, table: tableName, outbox: resolved.outbox };
  }

  /**
   * Claims sending this rep a sign-in link: at most one per cool-down, so a form posted in a
   * loop cannot flood their inbox. False while an earlier link is recent. The link's email
   * (`effects`) is recorded with the claim: a claim that holds is a link that goes out, even if
   * sending it fails now, and no link goes out for a claim that did not hold.
   */
  async claimSignInLink(repId: string, now: Date, cooldownMs: number, effects: readonly NewEffect[] = []): Promise<boolean> {
    return updateRepIf(
      this.writes,
      repId,
      {
        UpdateExpression: 'SET signInLinkAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(signInLinkAt) OR signInLinkAt < :since)',
        ExpressionAttributeValues: { ':now': now.toISOString(), ':since': new Date(now.getTime() - cooldownMs).toISOString() },
      },
      effects,
      now,
    );
  }

  /** The rep signed in with this address, if any (addresses are matched without regard to case). */
  async findByEmail(email: string): Promise<Rep | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: emailKey(email), ConsistentRead: true }));
    return typeof Item?.repId === 'string' ? this.get(Item.repId) : undefined;
  }

  /**
   * The rep's own profile changes from the portal. Load counters and rotation state are not
   * touched, so an edit never races the router's offer transaction on them. The write is
   * conditioned on what the save was checked against: the rep is not switched off, the session
   * (`by`) is still current, and the capacity is within the admin's maximum. A save racing a
   * sign-out elsewhere or a switch-off fails with `SessionEnded` or `RepDisabled`, one racing a
   * lower maximum with `CapacityAboveMaximum`. What must follow the save (`effects`: the team
   * queue offered again) is recorded with it. The profile returned is read again after the save.
   */
  async updateProfile(repId: string, changes: ProfileChanges, by?: SavedBySession, effects: readonly NewEffect[] = []): Promise<Rep> {
    const sets: Record<string, unknown> = {
      active: changes.active,
      products: changes.products,
      languages: changes.languages,
      capacity: changes.capacity,
      timeZone: changes.timeZone,
    };
    const removes: string[] = [];
    for (const key of ['territory', 'workingHours', 'outOfOfficeUntil'] as const) {
      if (changes[key] === undefined) removes.push(`#${key}`);
      else sets[key] = changes[key];
    }
    const fields = [...Object.keys(sets), 'territory', 'workingHours', 'outOfOfficeUntil', 'disabled', 'maxCapacity', ...(by ? ['sessionVersion'] : [])];
    const names = Object.fromEntries(fields.map((key) => [`#${key}`, key]));
    const values: Record<string, unknown> = { ...Object.fromEntries(Object.entries(sets).map(([key, value]) => [`:${key}`, value])), ':false': false };
    const conditions = ['attribute_exists(pk)', '(attribute_not_exists(#disabled) OR #disabled = :false)', '(attribute_not_exists(#maxCapacity) OR #maxCapacity >= :capacity)'];
    if (by) {
      values[':version'] = by.sessionVersion;
      conditions.push(by.sessionVersion === 0 ? '(attribute_not_exists(#sessionVersion) OR #sessionVersion = :version)' : '#sessionVersion = :version');
    }
    const update = {
      ConditionExpression: conditions.join(' AND '),
      UpdateExpression: `SET ${Object.keys(sets).map((key) => `#${key} = :${key}`).join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        // A transaction returns no values: the saved profile is read back (consistently).
        await updateRepWith(this.writes, repId, update, effects, new Date());
        const saved = await this.get(repId);
        if (!saved) throw new RepNotFound(repId);
        return saved;
      } catch (error) {
        if (!conditionFailed(error)) throw error;
        // Which condition failed: read the rep as it is now.
        const rep = await this.get(repId);
        if (!rep) throw new RepNotFound(repId, { cause: error });
        if (rep.disabled === true) throw new RepDisabled(repId, { cause: error });
        if (by && (rep.sessionVersion ?? 0) !== by.sessionVersion) throw new SessionEnded('signed out meanwhile', { cause: error });
        if (rep.maxCapacity !== undefined && changes.capacity > rep.maxCapacity) throw new CapacityAboveMaximum(rep.maxCapacity, { cause: error });
        // Changed and changed back between the write and the read: try again.
        if (attempt >= PROFILE_SAVE_TRIES) throw error;
      }
    }
  }

  /** Ends every session and sign-in link of the rep issued so far (signing out everywhere); the new session version. */
  endSessions(repId: string): Promise<number> {
    return endSessions(this.db, this.table, repId);
  }

  /**
   * Marks the rep unreachable at `address`, once: only while that is still their address and
   * they are not marked already, so a redelivered or concurrent notification finds it done
   * (false). The manager's notice is a write of its own (`markUnreachableNoticed`).
   */
  async markUnreachable(repId: string, address: string, mark: Omit<Unreachable, 'noticedAt'>): Promise<boolean> {
    return updateIf(this.db, {
      TableName: this.table,
      Key: repKey(repId),
      ConditionExpression: 'attribute_exists(pk) AND email = :address AND attribute_not_exists(unreachable)',
      ...stampRosterChange({ UpdateExpression: 'SET unreachable = :mark', ExpressionAttributeValues: { ':address': address.toLowerCase(), ':mark': mark } }, repId),
    });
  }

  /**
   * Notes that the manager is told about the rep's mark of `since`, with the email telling them
   * (`effects`, none when nobody is to be told) recorded in the same write: only while that mark
   * is there and not noticed yet, so of every delivery of the notification exactly one records
   * the notice, and a mark cleared meanwhile is left alone (false for the others).
   */
  async markUnreachableNoticed(repId: string, since: string, now: Date, effects: readonly NewEffect[] = []): Promise<boolean> {
    return updateRepIf(
      this.writes,
      repId,
      {
        ConditionExpression: 'unreachable.since = :since AND attribute_not_exists(unreachable.noticedAt)',
        UpdateExpression: 'SET unreachable.noticedAt = :now',
        ExpressionAttributeValues: { ':since': since, ':now': now.toISOString() },
      },
      effects,
      now,
    );
  }

  /** The rep's effect records, oldest first: what changes to their account left to be done, and how that went. */
  async effects(repId: string): Promise<StoredEffectRecord[]> {
    return queryPartition(this.db, this.table, repPartition(repId), effectsPrefix, toEffectRecord);
  }


  async get(repId: string): Promise<Rep | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: repKey(repId), ConsistentRead: true }));
    return Item ? toRep(Item) : undefined;
  }

  /**
   * The team's roster from the index. Index reads can lag by a moment; that is fine because
   * the assignment transaction re-checks capacity and caps and rejects a stale choice.
   */
  async listTeam(teamId: string): Promise<Rep[]> {
    return queryAll(
      this.db,
      {
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :team AND begins_with(gsi1sk, :rep)',
        ExpressionAttributeValues: { ':team': teamRosterKey(teamId), ':rep': rosterPrefix },
      },
      toRep,
    );
  }

  /**
   * The team's reps whose items changed after `since` (an ISO time), as they are now, from the
   * roster change index (gsi4): what a router holding the team's roster reads to keep it current.
   * A rep who left the team is not among them (their changes are stamped under the new team), nor
   * a rep stored before the index existed until their first offer or team change stamps them in it.
   */
  async teamChangesSince(teamId: string, since: string): Promise<Rep[]> {
    return queryAll(
      this.db,
      {
        TableName: this.table,
        IndexName: 'gsi4',
        KeyConditionExpression: 'gsi4pk = :team AND gsi4sk > :since',
        ExpressionAttributeValues: { ':team': teamRosterKey(teamId), ':since': since },
      },
      toRep,
    );
  }
}
