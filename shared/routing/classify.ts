import type { Tier } from '../domain/lead.ts';
import { defaultTeamOf, type RoutingConfig, type RuleConditions, type Team } from './config-schema.ts';
import { fold, leadLocation, leadValue, postalPrefixLength, sameText, type LeadFacts, type LeadLocation } from './lead-facts.ts';
import { scoreLead, type ScoreReason } from './scoring.ts';
import { coverage } from './territory.ts';

/**
 * Where a new lead belongs: its score and tier, and the department and team that take it. Apart
 * from the ranking of reps (engine.ts), so intake, which classifies but never ranks, carries no
 * rep profiles or eligibility.
 */

export type Department = 'sales' | 'marketing';

/** Why the lead went where it went. */
export type Via =
  /** `index` is 0-based in `rules`; explanations number rules from 1 as an admin reads them. */
  | { readonly kind: 'rule'; readonly index: number; readonly name: string }
  | { readonly kind: 'franchise-territory'; readonly franchiseeId: string; readonly specificity: number }
  | { readonly kind: 'default-team' }
  /** Cold leads go to marketing before any rule is looked at. */
  | { readonly kind: 'cold-to-marketing' };

export interface Classification {
  readonly score: number;
  readonly tier: Tier;
  readonly reasons: readonly ScoreReason[];
  readonly department: Department;
  /** The sales team or franchisee; undefined for marketing. */
  readonly teamId?: string;
  readonly via: Via;
}

type LeadInput = Pick<LeadFacts, 'contact' | 'fields' | 'quality'>;

const anyFolded = (configured: readonly string[], value: string | undefined): boolean =>
  value !== undefined && configured.some((c) => sameText(c, value));

function ruleMatches(when: RuleConditions, lead: LeadInput, where: LeadLocation, tier: Tier): boolean {
  const folded = (field: string) => {
    const value = leadValue(lead, field);
    return value === undefined ? undefined : fold(value);
  };
  if (when.tiers !== undefined && !when.tiers.includes(tier)) return false;
  if (when.products !== undefined && !anyFolded(when.products, folded('product'))) return false;
  if (when.sources !== undefined && !anyFolded(when.sources, folded('source'))) return false;
  if (when.countries !== undefined && (where.country === undefined || !when.countries.includes(where.country))) return false;
  if (when.regions !== undefined && !anyFolded(when.regions, where.region)) return false;
  if (when.postalPrefixes !== undefined) {
    const postal = where.postalCode;
    if (postal === undefined || !when.postalPrefixes.some((p) => postalPrefixLength(postal, p) > 0)) return false;
  }
  for (const [field, values] of Object.entries(when.fields ?? {})) {
    if (!anyFolded(values, folded(field))) return false;
  }
  return true;
}

/** Franchisees whose territory the stack config lists, per config: a franchise map's are looked up by key instead. */
const inlineCache = new WeakMap<readonly Team[], readonly Team[]>();
function inlineFranchisees(config: RoutingConfig): readonly Team[] {
  let found = inlineCache.get(config.teams);
  if (found === undefined) {
    found = config.teams.filter((team) => team.kind === 'franchisee' && team.territory !== undefined);
    inlineCache.set(config.teams, found);
  }
  return found;
}

/**
 * Decide the department and team for a new lead.
 * 1. Score it; a cold lead goes to marketing and nothing else is looked at.
 * 2. Otherwise the first rule whose conditions all hold names the team.
 * 3. No rule: the franchisee whose exclusive territory covers the lead most specifically.
 * 4. Nobody claims it: the default team.
 */
export function classifyLead(lead: LeadInput, config: RoutingConfig): Classification {
  const { score, tier, reasons } = scoreLead(lead, config.scoring);
  if (tier === 'cold') return { score, tier, reasons, department: 'marketing', via: { kind: 'cold-to-marketing' } };
  const sales = (teamId: string, via: Via): Classification => ({ score, tier, reasons, department: 'sales', teamId, via });

  const where = leadLocation(lead);
  for (const [index, rule] of config.rules.entries()) {
    if (ruleMatches(rule.when, lead, where, tier)) return sales(rule.team, { kind: 'rule', index, name: rule.name });
  }
  let owner: { teamId: string; specificity: number } | undefined;
  for (const team of inlineFranchisees(config)) {
    const { covers, specificity } = coverage(team.territory, where);
    // Strictly greater: on an equal claim (only possible between a region and a prefix the
    // schema cannot compare) the franchisee listed first keeps it.
    if (covers && (owner === undefined || specificity > owner.specificity)) owner = { teamId: team.id, specificity };
  }
  // A franchise map: one keyed lookup, however many franchisees and postal codes it holds.
  const match = config.franchises?.lookup(where);
  if (match !== undefined && (owner === undefined || match.specificity > owner.specificity)) owner = { teamId: match.franchiseeId, specificity: match.specificity };
  if (owner !== undefined) {
    return sales(owner.teamId, { kind: 'franchise-territory', franchiseeId: owner.teamId, specificity: owner.specificity });
  }
  return sales(defaultTeamOf(config).id, { kind: 'default-team' });
}
