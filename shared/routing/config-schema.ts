import * as z from '../zod.ts';
import { Tiers } from '../domain/lead.ts';
import { BusinessHoursSchema } from './business-clock.ts';
import { fold } from './lead-facts.ts';
import type { FranchiseLookup } from '../franchise/franchise-map.ts';
import { isAnywhere, territoryOverlaps } from './territory.ts';

/**
 * The routing part of a stack's configuration: who the teams and franchisees are, which rule
 * sends which lead where, how leads are scored, and how long each tier may wait.
 * Nested objects are strict so a misspelt key ("product" for "products") fails validation
 * instead of silently matching everything.
 */

export const TierSchema = z.enum(Tiers);

const Text = z.string().check(z.trim(), z.minLength(1), z.maxLength(200));
/** A canonical contact field (firstName … language) or the name of a custom form field. */
const FieldName = z.string().check(z.trim(), z.minLength(1), z.maxLength(64));
const Points = z.number().check(z.int(), z.minimum(-1000), z.maximum(1000));
const Country = z.pipe(z.string().check(z.regex(/^[A-Za-z]{2}$/, 'a two-letter ISO 3166 country code such as DE')), z.transform((code) => code.toUpperCase()));
const PostalPrefix = z.string().check(z.trim(), z.minLength(1), z.maxLength(20), z.regex(/^[A-Za-z0-9 -]+$/, 'letters, digits, spaces and dashes'));

/** Points per value; the lead's value is matched without regard to case. */
const PointsByValue = z.record(Text, Points).check(
  z.superRefine((record, ctx) => {
    const seen = new Map<string, string>();
    for (const key of Object.keys(record)) {
      const earlier = seen.get(fold(key));
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `same value as "${earlier}" when case is ignored` });
      seen.set(fold(key), key);
    }
  }),
);

const ValuePoints = z.strictObject({ field: FieldName, values: PointsByValue });

export const ScoringSchema = z
  .strictObject({
    /** Points by the lead's `source` (e.g. "ads": 30, "newsletter": 5). */
    sourcePoints: z.optional(PointsByValue),
    productPoints: z.optional(PointsByValue),
    /** Points for a field that has any value (e.g. "phone": 10, "company": 10). */
    fieldPresentPoints: z.optional(z.record(FieldName, Points)),
    /** Points by the number in a size field: the band with the highest `min` not above it applies. */
    companySize: z.optional(
      z.strictObject({
        field: FieldName,
        bands: z.array(z.strictObject({ min: z.number().check(z.minimum(0)), points: Points })).check(z.minLength(1), z.maxLength(20)),
      }),
    ),
    /** An explicit priority the form or an upstream system sets, e.g. "urgent": 50. */
    priority: z.optional(ValuePoints),
    fieldValuePoints: z.optional(z.array(ValuePoints).check(z.maxLength(50))),
    /**
     * Points taken off for each field a server sent malformed and the lead was kept with (its
     * `quality` flags); absent: `DEFAULT_FLAGGED_FIELD_PENALTY`, 0 turns it off.
     */
    flaggedFieldPenalty: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(1000))),
    /** A score at or above `hot` is hot, at or above `warm` warm, anything lower cold. */
    tiers: z.strictObject({ hot: z.number(), warm: z.number() }).check(
      z.refine((t) => t.hot > t.warm, {
        path: ['hot'],
        message: 'the hot threshold must be above the warm threshold',
      }),
    ),
  })
  .check(z.superRefine((scoring, ctx) => {
    const mins = scoring.companySize?.bands.map((band) => band.min) ?? [];
    mins.forEach((min, i) => {
      if (mins.indexOf(min) !== i) ctx.addIssue({ code: 'custom', path: ['companySize', 'bands', i, 'min'], message: `two bands start at ${min}` });
    });
  }));
export type Scoring = z.infer<typeof ScoringSchema>;

/** Points a flagged field costs when the scoring names no `flaggedFieldPenalty`. */
export const DEFAULT_FLAGGED_FIELD_PENALTY = 5;

/**
 * Without a scoring section every lead that can be reached (email or phone, which intake
 * requires) is warm: it goes to sales with the warm SLA, nothing is hot, nothing is cold. A
 * malformed field costs nothing here, or a lead kept for its email would go cold for its phone.
 */
export const DEFAULT_SCORING: Scoring = { fieldPresentPoints: { email: 10, phone: 10 }, flaggedFieldPenalty: 0, tiers: { hot: 1000, warm: 10 } };

/**
 * Where a team, franchisee or rep works. Countries bound the rest: regions and postal
 * prefixes then only apply within them. An empty territory means anywhere.
 */
export const TerritorySchema = z.strictObject({
  countries: z.optional(z.array(Country).check(z.maxLength(250))),
  regions: z.optional(z.array(Text).check(z.maxLength(500))),
  postalPrefixes: z.optional(z.array(PostalPrefix).check(z.maxLength(5000))),
});
export type Territory = z.infer<typeof TerritorySchema>;

export const Strategies = ['round-robin', 'weighted-round-robin', 'least-loaded', 'best-match'] as const;
export const StrategySchema = z.enum(Strategies);
export type Strategy = z.infer<typeof StrategySchema>;

export const TeamSchema = z.object({
  id: z.string().check(z.regex(/^[a-z0-9-]{1,40}$/, 'lowercase letters, digits and dashes, at most 40')),
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(80)),
  managerEmail: z.email(),
  /** A franchisee owns an exclusive territory; a team is reached by rules or as the default. */
  kind: z._default(z.enum(['team', 'franchisee']), 'team'),
  /** How the team picks among its eligible reps (a franchisee: among its field agents). */
  strategy: z._default(StrategySchema, 'round-robin'),
  /** For a franchisee: the exclusive territory; leads located there go to it unless a rule says otherwise. */
  territory: z.optional(TerritorySchema),
  /**
   * When given, the team's SLA clock (accept window, reminder, contact deadline) runs only in
   * these hours, so a lead posted at midnight is due in the morning, not at 00:30.
   */
  businessHours: z.optional(BusinessHoursSchema),
  /**
   * At the contact deadline the manager is always told; `reassign` also takes the lead from a
   * rep who has not contacted it and offers it to the next one, with a fresh deadline.
   */
  onMissedContact: z._default(z.enum(['keep', 'reassign']), 'keep'),
  /**
   * When every rep who could take a lead has passed on it: `open-to-team` emails all of them a
   * claim link and the first to claim gets it; `queue` only leaves it in the team queue.
   * Either way the lead waits in the queue and the manager is told.
   */
  whenAllPass: z._default(z.enum(['open-to-team', 'queue']), 'open-to-team'),
});
export type Team = z.infer<typeof TeamSchema>;

const AnyOf = <T extends z.ZodMiniType>(item: T) => z.optional(z.array(item).check(z.minLength(1), z.maxLength(1000)));

/** Conditions of a rule: every condition given must hold; within one, any listed value does. */
export const RuleConditionsSchema = z.strictObject({
  products: AnyOf(Text),
  countries: AnyOf(Country),
  regions: AnyOf(Text),
  postalPrefixes: AnyOf(PostalPrefix),
  tiers: AnyOf(TierSchema),
  sources: AnyOf(Text),
  /** Custom or canonical field name → accepted values. */
  fields: z.optional(z.record(FieldName, z.array(Text).check(z.minLength(1), z.maxLength(1000)))),
});
export type RuleConditions = z.infer<typeof RuleConditionsSchema>;

export const RuleSchema = z.object({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(80)),
  /** `{}` matches every lead, which makes a catch-all rule at the end of the list. */
  when: RuleConditionsSchema,
  team: z.string(),
});
export type Rule = z.infer<typeof RuleSchema>;

const Minutes = z.number().check(z.positive(), z.maximum(7 * 24 * 60));

/** Built per tier so a partly given tier keeps that tier's own defaults for the rest. */
const tierWindow = (acceptMinutes: number, contactMinutes: number, remindMinutesBefore: number) =>
  z.prefault(
    z
      .strictObject({
        /** How long one rep has to accept an offer before it moves to the next. */
        acceptMinutes: z._default(Minutes, acceptMinutes),
        /** How long from receipt until someone must have contacted the lead. */
        contactMinutes: z._default(Minutes, contactMinutes),
        /** The owner is reminded this long before the contact deadline; 0 sends no reminder. */
        remindMinutesBefore: z._default(z.number().check(z.minimum(0), z.maximum(7 * 24 * 60)), remindMinutesBefore),
      })
      .check(
        z.refine((w) => w.acceptMinutes <= w.contactMinutes, {
          path: ['acceptMinutes'],
          message: 'the accept window cannot be longer than the contact SLA',
        }),
        z.refine((w) => w.remindMinutesBefore < w.contactMinutes, {
          path: ['remindMinutesBefore'],
          message: 'the reminder must come after the lead arrives: less than contactMinutes',
        }),
      ),
    {},
  );

/**
 * Defaults: hot 5 min to accept / 30 to contact (the product promise) / reminder 10 before,
 * warm 15 / 120 / 30, cold 60 / 1440 / 120 (cold leads go to marketing; the window only
 * matters if marketing hands one back).
 */
export const TierSettingsSchema = z.prefault(z.strictObject({ hot: tierWindow(5, 30, 10), warm: tierWindow(15, 120, 30), cold: tierWindow(60, 24 * 60, 120) }), {});
export type TierWindow = TierSettings['hot'];
export type TierSettings = z.infer<typeof TierSettingsSchema>;

export const MarketingSchema = z.strictObject({
  /** Where cold leads are delivered for nurturing. */
  email: z.email(),
});
export type Marketing = z.infer<typeof MarketingSchema>;

/**
 * How the franchisees of a `territoriesFile` work, as a team of kind franchisee would say it
 * (their id, name and manager come from the file).
 */
export const FranchiseeDefaultsSchema = z.prefault(z.pick(TeamSchema, { strategy: true, businessHours: true, onMissedContact: true, whenAllPass: true }), {});
export type FranchiseeDefaults = z.infer<typeof FranchiseeDefaultsSchema>;

export const RoutingConfigSchema = z
  .object({
    teams: z.array(TeamSchema).check(z.minLength(1), z.maxLength(1000)),
    /**
     * The franchisees and their territories, as a CSV next to the stack config
     * (`franchisee,name,managerEmail,country,region,postalPrefix`). Read and checked at synth,
     * loaded into the stack's table when it starts, and changed on a running stack with
     * `npm run admin -- territories import`. Its franchisees are not listed in `teams`.
     */
    territoriesFile: z.optional(z.string().check(z.regex(/^[\w.-]+\.csv$/, 'a file name next to the stack config, ending in .csv'))),
    franchiseeDefaults: FranchiseeDefaultsSchema,
    /** Team for leads no rule and no franchise territory claims; defaults to the first non-franchisee team. */
    defaultTeam: z.optional(z.string()),
    /** Tried in order; the first whose conditions all hold decides the team. */
    rules: z._default(z.array(RuleSchema).check(z.maxLength(1000)), []),
    scoring: z._default(ScoringSchema, DEFAULT_SCORING),
    tiers: TierSettingsSchema,
    /** Offers per lead before it stops rotating and is escalated to the team manager. */
    maxAttempts: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(20)), 3),
    marketing: z.optional(MarketingSchema),
  })
  .check(z.superRefine((config, ctx) => {
    const ids = new Set<string>();
    config.teams.forEach((team, i) => {
      if (ids.has(team.id)) ctx.addIssue({ code: 'custom', path: ['teams', i, 'id'], message: `duplicate team id "${team.id}"` });
      ids.add(team.id);
    });
    if (config.defaultTeam !== undefined && !ids.has(config.defaultTeam)) {
      ctx.addIssue({ code: 'custom', path: ['defaultTeam'], message: `no team with id "${config.defaultTeam}"` });
    }
    config.rules.forEach((rule, i) => {
      if (!ids.has(rule.team)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'team'], message: `no team with id "${rule.team}"` });
      const coldAt = rule.when.tiers?.indexOf('cold') ?? -1;
      if (coldAt >= 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'when', 'tiers', coldAt],
          message: 'cold leads always go to marketing and never reach the rules',
        });
      }
    });
    checkFranchiseTerritories(config.teams, ctx);
    if (config.territoriesFile !== undefined) {
      config.teams.forEach((team, i) => {
        if (team.kind === 'franchisee') {
          ctx.addIssue({ code: 'custom', path: ['teams', i, 'kind'], message: `franchisees come from territoriesFile "${config.territoriesFile}" in this stack; list only plain teams here` });
        }
      });
    }
  }));
/**
 * The routing config as the functions use it: the stack config's part, and, where the stack has
 * a franchise map, its franchisees (in `teams`, as teams of kind franchisee) and their
 * territories (`franchises`), as loaded from the table a moment ago.
 */
export type RoutingConfig = z.infer<typeof RoutingConfigSchema> & { readonly franchises?: FranchiseLookup };
export type RoutingConfigInput = z.input<typeof RoutingConfigSchema>;

/**
 * Franchise territories are exclusive: a lead may belong to at most one franchisee, or the
 * franchise agreement (and the routing) would depend on config order. Each collision is
 * reported at the later franchisee's element, naming the earlier one.
 */
function checkFranchiseTerritories(teams: readonly Team[], ctx: z.core.$RefinementCtx): void {
  const franchisees: { team: Team; index: number }[] = [];
  teams.forEach((team, index) => {
    if (team.kind !== 'franchisee') return;
    if (isAnywhere(team.territory)) {
      ctx.addIssue({ code: 'custom', path: ['teams', index, 'territory'], message: 'a franchisee needs an exclusive territory' });
      return;
    }
    for (const earlier of franchisees) {
      for (const overlap of territoryOverlaps(earlier.team.territory, team.territory)) {
        ctx.addIssue({
          code: 'custom',
          path: ['teams', index, 'territory', ...overlap.path],
          message: `${overlap.description} of franchisee "${earlier.team.id}" (teams.${[earlier.index, 'territory', ...overlap.otherPath].join('.')})`,
        });
      }
    }
    franchisees.push({ team, index });
  });
}

/** The team for unclaimed leads: the configured one, else the first plain team, else the first. */
export function defaultTeamOf(config: Pick<RoutingConfig, 'teams' | 'defaultTeam'>): Team {
  const byId = config.defaultTeam === undefined ? undefined : config.teams.find((team) => team.id === config.defaultTeam);
  const team = byId ?? config.teams.find((t) => t.kind === 'team') ?? config.teams[0];
  if (team === undefined) throw new Error('routing config has no teams');
  return team;
}

/** The team of a lead by its id; a team removed from the config since falls back to the default team. */
export function teamById(config: Pick<RoutingConfig, 'teams' | 'defaultTeam'>, teamId: string): Team {
  return config.teams.find((team) => team.id === teamId) ?? defaultTeamOf(config);
}
