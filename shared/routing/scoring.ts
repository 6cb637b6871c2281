import type { Tier } from '../domain/lead.ts';
import { flagWords, openFlags } from '../domain/lead-quality.ts';
import { DEFAULT_FLAGGED_FIELD_PENALTY, type Scoring } from './config-schema.ts';
import { fold, leadValue, type LeadFacts } from './lead-facts.ts';

export interface ScoreReason {
  readonly points: number;
  readonly why: string;
}

export interface LeadScore {
  readonly score: number;
  readonly tier: Tier;
  /** Every rule that gave points, in config order, so a rep or admin can see why. */
  readonly reasons: readonly ScoreReason[];
}

// Config records are looked up case-insensitively; the folded copy is built once per config object.
const foldedRecords = new WeakMap<Readonly<Record<string, number>>, Map<string, number>>();

function pointsFor(record: Readonly<Record<string, number>>, value: string): number | undefined {
  let folded = foldedRecords.get(record);
  if (folded === undefined) {
    folded = new Map(Object.entries(record).map(([key, points]) => [fold(key), points]));
    foldedRecords.set(record, folded);
  }
  return folded.get(fold(value));
}

/**
 * The first number in a size answer: "250" → 250, "1,000" → 1000, "50-200" → 50 (the lower
 * bound of a range, so a band is never reached on a guess), "about 40 people" → 40.
 */
export function parseSize(raw: string): number | undefined {
  const match = /\d[\d,.' ]*/.exec(raw);
  if (match === null) return undefined;
  const digits = match[0].trim().replace(/[,' ]/g, '').replace(/\.(?=\d{3}(?:\D|$))/g, '');
  const size = Number.parseFloat(digits);
  return Number.isFinite(size) ? size : undefined;
}

export function tierFor(score: number, tiers: Scoring['tiers']): Tier {
  return score >= tiers.hot ? 'hot' : score >= tiers.warm ? 'warm' : 'cold';
}

/**
 * Score a lead and put it in a tier.
 * 1. Add the configured points for its source, product, the fields it filled in, its company
 *    size band, its priority and any other valued fields.
 *    Take off the flagged-field penalty for each field the lead was kept with although malformed.
 * 2. Compare the sum with the hot and warm thresholds.
 * The tier decides everything after this: hot and warm go to sales, cold to marketing.
 */
export function scoreLead(lead: Pick<LeadFacts, 'contact' | 'fields' | 'quality'>, scoring: Scoring): LeadScore {
  const reasons: ScoreReason[] = [];
  const add = (points: number | undefined, why: string) => {
    if (points !== undefined && points !== 0) reasons.push({ points, why });
  };
  const valued = (field: string, record: Readonly<Record<string, number>> | undefined, label: string) => {
    const value = leadValue(lead, field);
    if (value !== undefined && record !== undefined) add(pointsFor(record, value), `${label} ${value}`);
  };

  valued('source', scoring.sourcePoints, 'source');
  valued('product', scoring.productPoints, 'product');
  for (const [field, points] of Object.entries(scoring.fieldPresentPoints ?? {})) {
    if (leadValue(lead, field) !== undefined) add(points, `${field} given`);
  }
  if (scoring.companySize !== undefined) {
    const raw = leadValue(lead, scoring.companySize.field);
    const size = raw === undefined ? undefined : parseSize(raw);
    if (size !== undefined) {
      let band: { min: number; points: number } | undefined;
      for (const b of scoring.companySize.bands) if (b.min <= size && (band === undefined || b.min > band.min)) band = b;
      if (band !== undefined) add(band.points, `${scoring.companySize.field} ${size} (≥ ${band.min})`);
    }
  }
  if (scoring.priority !== undefined) valued(scoring.priority.field, scoring.priority.values, `${scoring.priority.field}`);
  for (const rule of scoring.fieldValuePoints ?? []) valued(rule.field, rule.values, rule.field);
  // A lead kept with a malformed field is worth less than one that came in clean, as a rep sees it.
  const penalty = scoring.flaggedFieldPenalty ?? DEFAULT_FLAGGED_FIELD_PENALTY;
  for (const flag of openFlags(lead)) add(-penalty, `${flag.field} as given is ${flagWords(flag)}`);

  const score = reasons.reduce((sum, reason) => sum + reason.points, 0);
  return { score, tier: tierFor(score, scoring.tiers), reasons };
}
