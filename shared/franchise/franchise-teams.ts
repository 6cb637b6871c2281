import type { FranchiseeDefaults, RoutingConfig, Team } from '../routing/config-schema.ts';
import type { Franchisee, FranchiseLookup, FranchiseMap } from './franchise-map.ts';

/** A franchisee of the map as the team its field agents belong to. */
export function franchiseeTeam(franchisee: Franchisee, defaults: FranchiseeDefaults): Team {
  return {
    id: franchisee.id,
    name: franchisee.name,
    managerEmail: franchisee.managerEmail,
    kind: 'franchisee',
    strategy: defaults.strategy,
    onMissedContact: defaults.onMissedContact,
    whenAllPass: defaults.whenAllPass,
    ...(defaults.businessHours ? { businessHours: defaults.businessHours } : {}),
  };
}

/** Franchisees of a map that take the id of a plain team of the stack config: an import refuses them. */
export function franchiseesTakingTeamIds(map: Pick<FranchiseMap, 'franchisees'>, config: Pick<RoutingConfig, 'teams'>): Franchisee[] {
  const teamIds = new Set(config.teams.filter((team) => team.kind === 'team').map((team) => team.id));
  return map.franchisees.filter((franchisee) => teamIds.has(franchisee.id));
}

/**
 * The stack config's routing with a franchise map: its franchisees join `teams` (a team of the
 * stack config keeps its id; the import refuses such a clash), and `franchises` answers which
 * of them holds a lead's location.
 */
export function withFranchises(config: RoutingConfig, franchises: FranchiseLookup): RoutingConfig {
  const configured = new Set(config.teams.map((team) => team.id));
  const added = franchises.franchisees().filter((franchisee) => !configured.has(franchisee.id));
  return { ...config, teams: [...config.teams, ...added.map((franchisee) => franchiseeTeam(franchisee, config.franchiseeDefaults))], franchises };
}
