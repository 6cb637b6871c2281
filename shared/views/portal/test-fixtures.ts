// Leads, reps and HTML probes shared by the portal page tests; not imported by production code.
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createLead, LeadStatus, type Lead } from '../../domain/lead.ts';
import type { RepProfile } from '../../routing/eligibility.ts';
import { rep as makeRep } from '../../routing/test-fixtures.ts';
import type { PortalUser } from './frame.ts';

export const hostile = `<script>alert("x")</script>'`;
export const NOW = new Date('2026-03-02T10:00:00Z');
export const CSRF = 'csrf-token-123';

export const makeLead = (id: string, status: LeadStatus, over: Partial<Lead> = {}): Lead => ({
  ...createLead(
    {
      contact: { firstName: hostile, lastName: `"quoted"`, email: 'kim@example.com', phone: '+49 (30) 123-4567', product: `solar<b>`, company: `ACME "&" <i>` },
      fields: { note: `"><img src=x onerror=alert(1)>` },
    },
    'sales',
    { now: new Date('2026-03-02T09:00:00Z'), contactWithinMs: 30 * 60_000 },
    id,
  ),
  status,
  tier: 'hot',
  ownerId: 'ana',
  ...over,
});

export const ana: RepProfile = makeRep('ana', { name: `Ana ${hostile}`, timeZone: 'Europe/Berlin', capacity: 5, openLeads: 2 });
export const boss: RepProfile = makeRep('boss', { name: `Boss ${hostile}`, role: 'manager', timeZone: 'Europe/Berlin' });
export const repUser: PortalUser = { rep: ana, csrf: CSRF };
export const managerUser: PortalUser = { rep: boss, csrf: CSRF };

export const offered = makeLead('lead-offered', LeadStatus.offered);
export const accepted = makeLead('lead-accepted', LeadStatus.accepted, { contactDeadline: '2026-03-02T12:00:00.000Z' });
export const contacted = makeLead('lead-contacted', LeadStatus.contacted, { contactedAt: '2026-03-02T09:10:00.000Z' });
export const closed = makeLead('lead-closed', LeadStatus.closed);
export const queued = makeLead('lead-queued', LeadStatus.queued, { ownerId: undefined });

export const structured = (result: APIGatewayProxyResultV2): APIGatewayProxyStructuredResultV2 => {
  if (typeof result === 'string') throw new Error('expected a structured result');
  return result;
};
export const bodyOf = (result: APIGatewayProxyResultV2): string => structured(result).body ?? '';

export const forms = (body: string): string[] => body.match(/<form\b[\s\S]*?<\/form>/g) ?? [];
export const tags = (body: string, name: string): string[] => body.match(new RegExp(`<${name}\\b[^>]*>`, 'g')) ?? [];
export const attr = (tag: string, name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
