import * as z from '../zod.ts';
import { TerritorySchema } from './config-schema.ts';
import { fold, leadLanguage, leadLocation, leadValue, sameText, speaks, type LeadFacts } from './lead-facts.ts';
import { coverage } from './territory.ts';
import { isValidTimeZone, localClock, periodKeysAt, withinHoursAt, WorkingHoursSchema, type PeriodKeys } from './working-hours.ts';

export type { LeadFacts } from './lead-facts.ts';
export { periodKeys } from './working-hours.ts';

const NEVER = '1970-01-01T00:00:00.000Z';

/**
 * Mail to the rep's address cannot be delivered: SES reported a permanent bounce or a complaint.
 * Set once by the feedback function (a conditional write), cleared by importing the rep again.
 */
export const UnreachableSchema = z.object({
  since: z.iso.datetime({ offset: true }),
  reason: z.enum(['bounce', 'complaint']),
  /** The address that bounced or complained, as SES reported it. */
  address: z.string(),
  /** Bounce subtype (General, NoEmail, OnAccountSuppressionList…) or complaint feedback type (abuse…). */
  subType: z.optional(z.string()),
  /** What the receiving server said (`smtp; 550 5.1.1 user unknown`), when SES passed it on. */
  diagnostic: z.optional(z.string()),
  feedbackId: z.string(),
  /**
   * When the manager's notice was recorded, its email with it (the outbox): set once per mark, so
   * a redelivered or concurrent notification records no second one.
   */
  noticedAt: z.optional(z.iso.datetime({ offset: true })),
});
export type Unreachable = z.infer<typeof UnreachableSchema>;

/** A rep as routing sees them: who they are, what they can take, and their rotation state. */
export const RepProfileSchema = z.object({
  id: z.string().check(z.minLength(1)),
  name: z.string(),
  email: z.string(),
  teamId: z.string(),
  /** A manager also sees the team's view in the portal: load, queue, overdue leads, reassigning by hand. */
  role: z._default(z.enum(['rep', 'manager']), 'rep'),
  /** Off: the rep takes no new leads (the portal's availability switch). */
  active: z._default(z.boolean(), true),
  /** Most leads the rep may have open (offered or accepted, not yet contacted) at once. */
  capacity: z.number().check(z.int(), z.minimum(0)),
  openLeads: z._default(z.number().check(z.int(), z.minimum(0)), 0),
  /** Share in weighted round robin, relative to teammates. */
  weight: z._default(z.number().check(z.positive(), z.maximum(1000)), 1),
  /** Empty: every product. */
  products: z._default(z.array(z.string()), []),
  /** ISO 639-1 codes; empty: every language. */
  languages: z._default(z.array(z.string()), []),
  /** Absent: anywhere. */
  territory: z.optional(TerritorySchema),
  timeZone: z._default(z.string().check(z.refine(isValidTimeZone, 'an IANA time zone such as Europe/Berlin')), 'UTC'),
  /** Absent: always available. */
  workingHours: z.optional(WorkingHoursSchema),
  outOfOfficeUntil: z.optional(z.iso.datetime({ offset: true })),
  /** Most new leads per local day / ISO week, beside the open-lead capacity. */
  dailyCap: z.optional(z.number().check(z.int(), z.minimum(0))),
  weeklyCap: z.optional(z.number().check(z.int(), z.minimum(0))),
  /** Counters of new leads offered in the period named by the key (see `periodKeys`); a stale key counts as 0. */
  dayKey: z.optional(z.string()),
  dayCount: z.optional(z.number().check(z.int(), z.minimum(0))),
  weekKey: z.optional(z.string()),
  weekCount: z.optional(z.number().check(z.int(), z.minimum(0))),
  /** Time of the last offer: round robin's memory. Never offered: the epoch. */
  lastOfferedAt: z._default(z.iso.datetime({ offset: true }), NEVER),
  /** Weighted round robin's memory (see `nextVirtualTime`); absent until the first weighted offer. */
  virtualTime: z.optional(z.number().check(z.minimum(0))),
  /** Present while their address bounces or complained: no offers, invitations or pulls until it is fixed. */
  unreachable: z.optional(UnreachableSchema),
  /**
   * Switched off by an admin (`reps disable`): no leads, no portal, no link actions, whatever
   * `active` says. Unlike `active`, the rep cannot change it. Absent: not disabled.
   */
  disabled: z.optional(z.boolean()),
  /** The most open leads the rep may set for themselves in the portal; absent: the default (see profile-form.ts). */
  maxCapacity: z.optional(z.number().check(z.int(), z.minimum(0))),
  /**
   * Counts the times every session of the rep was ended (signing out, being switched off):
   * sessions and sign-in links carry the version they were issued at. Absent: 0.
   */
  sessionVersion: z.optional(z.number().check(z.int(), z.minimum(0))),
});
export type RepProfile = z.infer<typeof RepProfileSchema>;

export const SkipReasons = [
  'disabled',
  'inactive',
  'unreachable',
  'passed-before',
  'lacks-product',
  'lacks-language',
  'outside-territory',
  'out-of-office',
  'outside-working-hours',
  'at-capacity',
  'daily-cap',
  'weekly-cap',
] as const;
export type SkipReason = (typeof SkipReasons)[number];

export interface RepMatch {
  /** Territory specificity (see `Specificity` in territory.ts); 0 for a rep without a territory. */
  readonly specificity: number;
  /** 1 each for naming the lead's product and its language explicitly (0–2); generalists score 0. */
  readonly skill: number;
}

export type Eligibility =
  | { readonly eligible: true; readonly match: RepMatch }
  | { readonly eligible: false; readonly reason: SkipReason };

// One shared, frozen result per reason: ranking 10,000 reps then allocates nothing for the
// (usually many) skipped ones.
const SKIPPED = Object.fromEntries(SkipReasons.map((reason) => [reason, Object.freeze({ eligible: false, reason })])) as Record<
  SkipReason,
  Eligibility
>;
const skip = (reason: SkipReason): Eligibility => SKIPPED[reason];

/** Decides eligibility of many reps for one lead at one instant, with the lead-side work done once. */
export type EligibilityCheck = (rep: RepProfile) => Eligibility;

/**
 * Build the check for one lead at one instant.
 * The order of checks is the order of reasons reported: first whether the rep could ever take
 * this lead (not switched off by an admin, active, reachable by email, has not passed on it, product, language, territory), then whether they can
 * take it now (leave, hours, capacity, caps). A manager reading "outside working hours" can then
 * trust that the rep would otherwise have been offered it.
 */
export function eligibilityFor(lead: Pick<LeadFacts, 'contact' | 'fields' | 'excludedReps'>, now: Date): EligibilityCheck {
  const excluded = new Set(lead.excludedReps);
  const rawProduct = leadValue(lead, 'product');
  const product = rawProduct === undefined ? undefined : fold(rawProduct);
  const language = leadLanguage(lead);
  const location = leadLocation(lead);
  const nowMs = now.getTime();
  const periods = new Map<string, PeriodKeys>();
  const periodsIn = (timeZone: string) => {
    let keys = periods.get(timeZone);
    if (keys === undefined) periods.set(timeZone, (keys = periodKeysAt(localClock(timeZone, now))));
    return keys;
  };

  return (rep) => {
    // The admin's switch comes before the rep's own: only the admin can turn it back.
    if (rep.disabled === true) return skip('disabled');
    if (!rep.active) return skip('inactive');
    // An offer to an address that bounces would sit unread until its accept window ran out.
    if (rep.unreachable !== undefined) return skip('unreachable');
    if (excluded.has(rep.id)) return skip('passed-before');

    // Plain loops rather than .some(): this closure runs once per rep of rosters up to 10,000.
    let skill = 0;
    if (product !== undefined && rep.products.length > 0) {
      let has = false;
      for (let i = 0; !has && i < rep.products.length; i++) has = sameText(rep.products[i]!, product);
      if (!has) return skip('lacks-product');
      skill++;
    }
    if (language !== undefined && rep.languages.length > 0) {
      let has = false;
      for (let i = 0; !has && i < rep.languages.length; i++) has = speaks(rep.languages[i]!, language);
      if (!has) return skip('lacks-language');
      skill++;
    }
    const where = coverage(rep.territory, location);
    if (!where.covers) return skip('outside-territory');

    if (rep.outOfOfficeUntil !== undefined && nowMs < Date.parse(rep.outOfOfficeUntil)) return skip('out-of-office');
    if (rep.workingHours !== undefined && !withinHoursAt(rep.workingHours, localClock(rep.timeZone, now))) {
      return skip('outside-working-hours');
    }
    if (rep.openLeads >= rep.capacity) return skip('at-capacity');
    if (rep.dailyCap !== undefined && (rep.dayKey === periodsIn(rep.timeZone).dayKey ? (rep.dayCount ?? 0) : 0) >= rep.dailyCap) {
      return skip('daily-cap');
    }
    if (rep.weeklyCap !== undefined && (rep.weekKey === periodsIn(rep.timeZone).weekKey ? (rep.weekCount ?? 0) : 0) >= rep.weeklyCap) {
      return skip('weekly-cap');
    }
    return { eligible: true, match: { specificity: where.specificity, skill } };
  };
}

/** Whether one rep may be offered one lead now, and if so how well they match it. */
export function checkEligibility(rep: RepProfile, lead: Pick<LeadFacts, 'contact' | 'fields' | 'excludedReps'>, now: Date): Eligibility {
  return eligibilityFor(lead, now)(rep);
}
