import type { Franchisee, FranchiseMap, TerritoryArea } from './franchise-map.ts';
import { areaKey, describeArea } from './territory-area.ts';

/**
 * What an import would change, area by area, for `--dry-run` and the import's audit record:
 * a territory moving between franchisees is where leads start to go elsewhere, so it is named
 * on its own rather than as one removal and one addition.
 */
export interface FranchiseDiff {
  readonly moved: readonly { readonly area: TerritoryArea; readonly from: string; readonly to: string }[];
  readonly added: readonly { readonly area: TerritoryArea; readonly to: string }[];
  readonly removed: readonly { readonly area: TerritoryArea; readonly from: string }[];
  readonly franchisees: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly changed: readonly { readonly id: string; readonly fields: readonly FranchiseeField[] }[];
  };
}

type FranchiseeField = Exclude<keyof Franchisee, 'id'>;
const FRANCHISEE_FIELDS: readonly FranchiseeField[] = ['name', 'managerEmail'];

/** `before` undefined: nothing was imported yet, so everything is added. Linear in both maps. */
export function diffFranchiseMaps(before: FranchiseMap | undefined, after: FranchiseMap): FranchiseDiff {
  const held = new Map<string, { area: TerritoryArea; franchisee: string }>();
  for (const { area, franchisee } of before?.territories ?? []) if (!held.has(areaKey(area))) held.set(areaKey(area), { area, franchisee });

  const moved: { area: TerritoryArea; from: string; to: string }[] = [];
  const added: { area: TerritoryArea; to: string }[] = [];
  const seen = new Set<string>();
  for (const { area, franchisee: to } of after.territories) {
    const key = areaKey(area);
    if (seen.has(key)) continue;
    seen.add(key);
    const earlier = held.get(key);
    if (earlier === undefined) added.push({ area, to });
    else if (earlier.franchisee !== to) moved.push({ area, from: earlier.franchisee, to });
  }
  const removed = [...held].filter(([key]) => !seen.has(key)).map(([, { area, franchisee }]) => ({ area, from: franchisee }));

  const previous = new Map((before?.franchisees ?? []).map((franchisee) => [franchisee.id, franchisee]));
  const next = new Map(after.franchisees.map((franchisee) => [franchisee.id, franchisee]));
  const changed = [...next.values()].flatMap((franchisee) => {
    const earlier = previous.get(franchisee.id);
    const fields = earlier === undefined ? [] : FRANCHISEE_FIELDS.filter((field) => earlier[field] !== franchisee[field]);
    return fields.length > 0 ? [{ id: franchisee.id, fields }] : [];
  });
  return {
    moved,
    added,
    removed,
    franchisees: {
      added: [...next.keys()].filter((id) => !previous.has(id)),
      removed: [...previous.keys()].filter((id) => !next.has(id)),
      changed,
    },
  };
}

/**
 * The diff as lines for a person: franchisees first (a new or renamed franchisee explains the
 * moves after it), then each territory as `postal prefix 787 in US: austin-solar → dallas-solar`
 * (`none` for no holder), at most `limit` of them, then the counts.
 */
export function describeDiff(diff: FranchiseDiff, limit = 50): string[] {
  const area = (a: TerritoryArea) => describeArea(a, { quoted: false });
  const changes = [
    ...diff.franchisees.added.map((id) => `franchisee ${id}: new`),
    ...diff.franchisees.removed.map((id) => `franchisee ${id}: removed`),
    ...diff.franchisees.changed.map(({ id, fields }) => `franchisee ${id}: ${fields.join(' and ')} changed`),
    ...diff.moved.map((m) => `${area(m.area)}: ${m.from} → ${m.to}`),
    ...diff.added.map((a) => `${area(a.area)}: none → ${a.to}`),
    ...diff.removed.map((r) => `${area(r.area)}: ${r.from} → none`),
  ];
  if (changes.length === 0) return ['no changes'];
  const shown = changes.slice(0, Math.max(0, limit));
  const { franchisees } = diff;
  return [
    ...shown,
    ...(changes.length > shown.length ? [`… and ${changes.length - shown.length} more`] : []),
    `territories: ${diff.moved.length} moved, ${diff.added.length} added, ${diff.removed.length} removed; ` +
      `franchisees: ${franchisees.added.length} added, ${franchisees.removed.length} removed, ${franchisees.changed.length} changed`,
  ];
}
