import { RepUnavailable } from '../domain/errors.ts';
import { periodKeys, type RepProfile } from '../routing/eligibility.ts';
import { repKey, stampRosterChange } from './table-items.ts';

/**
 * A rep's load as transaction items: the slot a lead takes when offered or claimed, and gives
 * back when passed, expired, released, closed or erased. Each goes into the transaction that
 * moves the lead, so the lead and the rep's count never disagree about who holds what.
 */

/** The rep's day and week counters as the router read them, in the rep's time zone. */
export interface CounterState {
  readonly dayKey: string;
  readonly weekKey: string;
  /** Whether the stored counters are for this day and week (else they restart at 1). */
  readonly sameDay: boolean;
  readonly sameWeek: boolean;
  readonly dailyCap?: number;
  readonly weeklyCap?: number;
}

/** The counter state of a rep as last read, for the period `now` falls in on the rep's own clock. */
export function countersFor(rep: Pick<RepProfile, 'timeZone' | 'dayKey' | 'weekKey' | 'dailyCap' | 'weeklyCap'>, now: Date): CounterState {
  const { dayKey, weekKey } = periodKeys(rep.timeZone, now);
  return {
    dayKey,
    weekKey,
    sameDay: rep.dayKey === dayKey,
    sameWeek: rep.weekKey === weekKey,
    ...(rep.dailyCap !== undefined ? { dailyCap: rep.dailyCap } : {}),
    ...(rep.weeklyCap !== undefined ? { weeklyCap: rep.weeklyCap } : {}),
  };
}

/** The rep who takes a lead, as the router (or a rep claiming it) read them. */
export interface TakingRep {
  readonly id: string;
  readonly counters: CounterState;
  /** The rep's next place in a weighted rotation, when the team uses one. */
  readonly virtualTime?: number;
  /**
   * The team the lead is offered in: the rep must still be in it. A router's cached roster may
   * still list a rep an admin moved to another team since; they never get the old team's lead.
   */
  readonly teamId?: string;
}

/**
 * The rep side of an offer or a claim: one open lead more. Capacity, and the day and week caps
 * when set, are conditions, so a stale roster can never push a rep over; counters of a new day
 * or week restart at one; with `teamId`, the rep's team is a condition too. Throws
 * `RepUnavailable` before any write for a cap of zero, which leaves no room even in a fresh
 * period (no condition can say that about a counter not yet written). The change is stamped in
 * the roster change index, so routers holding the team's roster see the new counters.
 */
export function takeCapacity(tableName: string, rep: TakingRep, at: string) {
  const { id: repId, counters, virtualTime, teamId } = rep;
  if (counters.dailyCap === 0 || counters.weeklyCap === 0) throw new RepUnavailable(`rep ${repId} takes no new leads this period`);
  // CAPACITY is a DynamoDB reserved word, hence the aliases throughout.
  const names: Record<string, string> = {
    '#active': 'active',
    '#openLeads': 'openLeads',
    '#capacity': 'capacity',
    '#lastOfferedAt': 'lastOfferedAt',
    '#loadChangedAt': 'loadChangedAt',
    '#dayKey': 'dayKey',
    '#dayCount': 'dayCount',
    '#weekKey': 'weekKey',
    '#weekCount': 'weekCount',
  };
  const values: Record<string, unknown> = { ':true': true, ':one': 1, ':at': at, ':day': counters.dayKey, ':week': counters.weekKey };
  // A rep whose address bounced, or whom an admin switched off, is out of routing even for a
  // router whose cached roster still shows them (see mark-rep-unreachable.ts, manage-reps.ts).
  names['#unreachable'] = 'unreachable';
  names['#disabled'] = 'disabled';
  values[':false'] = false;
  const conditions = ['#active = :true', 'attribute_not_exists(#unreachable)', '(attribute_not_exists(#disabled) OR #disabled = :false)', '#openLeads < #capacity'];
  const sets = ['#openLeads = #openLeads + :one', '#lastOfferedAt = :at', '#loadChangedAt = :at'];
  const period = (key: '#dayKey' | '#weekKey', count: '#dayCount' | '#weekCount', value: ':day' | ':week', same: boolean, cap?: number) => {
    if (same) {
      conditions.push(`${key} = ${value}`);
      if (cap !== undefined) {
        const capValue = `${value}Cap`;
        conditions.push(`${count} < ${capValue}`);
        values[capValue] = cap;
      }
      sets.push(`${count} = ${count} + :one`);
    } else {
      conditions.push(`(attribute_not_exists(${key}) OR ${key} <> ${value})`);
      sets.push(`${key} = ${value}`, `${count} = :one`);
    }
  };
  period('#dayKey', '#dayCount', ':day', counters.sameDay, counters.dailyCap);
  period('#weekKey', '#weekCount', ':week', counters.sameWeek, counters.weeklyCap);
  if (virtualTime !== undefined) {
    names['#virtualTime'] = 'virtualTime';
    values[':vt'] = virtualTime;
    sets.push('#virtualTime = :vt');
  }
  if (teamId !== undefined) {
    names['#teamId'] = 'teamId';
    values[':team'] = teamId;
    conditions.push('#teamId = :team');
  }
  const update = stampRosterChange({ UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeValues: values }, repId, teamId === undefined ? {} : { teamId });
  return {
    Update: {
      TableName: tableName,
      Key: repKey(repId),
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ...update,
    },
  };
}

/**
 * The rep as a take that held left them (what `takeCapacity` writes), from the rep as read: a
 * router puts it in its cached roster, so its next lead sees the load and rotation its own offer
 * just changed instead of offering the same rep on old counters. Another router's offers
 * meanwhile are not in it; the transaction still checks the stored ones.
 */
export function afterTaking(rep: RepProfile, taking: TakingRep, at: string): RepProfile {
  const { counters, virtualTime } = taking;
  return {
    ...rep,
    openLeads: rep.openLeads + 1,
    lastOfferedAt: at,
    dayKey: counters.dayKey,
    dayCount: counters.sameDay ? (rep.dayCount ?? 0) + 1 : 1,
    weekKey: counters.weekKey,
    weekCount: counters.sameWeek ? (rep.weekCount ?? 0) + 1 : 1,
    ...(virtualTime !== undefined ? { virtualTime } : {}),
  };
}

/**
 * When the load changed (`at`), for the sweeper's recount to wait on: the owner index lags the
 * write a moment, and a count read meanwhile must not be "repaired" back.
 */
export type Release =
  /** A transition moving the lead on. */
  | { readonly at: string }
  /** An erasure: only while the count is above zero, so a count already at zero stays there. */
  | { readonly at: string; readonly aboveZero: true };

/**
 * The rep side of a pass, an expiry, a release, a close or an erasure: one open lead fewer. A
 * transition never puts a condition on the count that could stop the lead from moving on: a
 * count that drifted (a lead expired by TTL while held) is repaired by the sweeper's recount,
 * not by holding the lead hostage. An erasure's release may fail instead (a deleted rep, a count
 * at zero), and the erasure then goes ahead without it.
 */
export function releaseCapacity(tableName: string, repId: string, release: Release) {
  const erasing = 'aboveZero' in release;
  return {
    Update: {
      TableName: tableName,
      Key: repKey(repId),
      ConditionExpression: erasing ? 'openLeads > :zero' : 'attribute_exists(pk)',
      ...stampRosterChange(
        { UpdateExpression: 'SET openLeads = openLeads - :one, loadChangedAt = :at', ExpressionAttributeValues: { ':one': 1, ':at': release.at, ...(erasing ? { ':zero': 0 } : {}) } },
        repId,
      ),
    },
  };
}
