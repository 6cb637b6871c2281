// Builders shared by the routing tests; not imported by production code.
import type { LeadContact } from '../domain/lead.ts';
import { RoutingConfigSchema, type RoutingConfig, type RoutingConfigInput } from './config-schema.ts';
import type { RepProfile } from './eligibility.ts';
import type { LeadFacts } from './lead-facts.ts';

export const NEVER = '1970-01-01T00:00:00.000Z';

export const lead = (contact: LeadContact = {}, over: Partial<LeadFacts> = {}): LeadFacts => ({
  id: 'lead-1',
  contact: { email: 'kim@example.com', ...contact },
  fields: {},
  receivedAt: '2026-03-02T10:00:00.000Z',
  excludedReps: [],
  ...over,
});

export const rep = (id: string, over: Partial<RepProfile> = {}): RepProfile => ({
  id,
  name: id,
  email: `${id}@example.com`,
  teamId: 'sales',
  role: 'rep',
  active: true,
  capacity: 5,
  openLeads: 0,
  weight: 1,
  products: [],
  languages: [],
  timeZone: 'UTC',
  lastOfferedAt: NEVER,
  ...over,
});

export const config = (input: Partial<RoutingConfigInput> = {}): RoutingConfig =>
  RoutingConfigSchema.parse({
    teams: [{ id: 'sales', name: 'Sales', managerEmail: 'boss@example.com' }],
    ...input,
  });

/** Monday 2 March 2026, 10:00 UTC: a plain working morning in Europe. */
export const MONDAY_10_UTC = new Date('2026-03-02T10:00:00Z');

/** A company with two sales teams and a franchise of two franchisees. */
export const exampleConfig: RoutingConfigInput = {
  teams: [
    { id: 'inside-sales', name: 'Inside Sales', managerEmail: 'ines@acme.example' },
    { id: 'enterprise', name: 'Enterprise', managerEmail: 'erik@acme.example', strategy: 'best-match' },
    {
      id: 'north',
      name: 'Franchise North',
      managerEmail: 'nora@north.example',
      kind: 'franchisee',
      strategy: 'weighted-round-robin',
      territory: { countries: ['DE'], postalPrefixes: ['1', '2'] },
    },
    {
      id: 'south',
      name: 'Franchise South',
      managerEmail: 'sam@south.example',
      kind: 'franchisee',
      strategy: 'least-loaded',
      territory: { countries: ['DE'], postalPrefixes: ['8', '9'] },
    },
  ],
  defaultTeam: 'inside-sales',
  rules: [
    { name: 'Enterprise deals', when: { tiers: ['hot'], fields: { segment: ['enterprise'] } }, team: 'enterprise' },
    { name: 'DACH ERP', when: { products: ['ERP'], countries: ['DE', 'AT', 'CH'] }, team: 'enterprise' },
  ],
  scoring: { sourcePoints: { ads: 50 }, fieldPresentPoints: { email: 10, phone: 10 }, tiers: { hot: 50, warm: 10 } },
  marketing: { email: 'nurture@acme.example' },
};
