import { describe, expect, it } from 'vitest';
import { formatLeadReport, formatTeamQueue, LeadWithHistorySchema, shortDetail } from './lead-report.ts';

describe('admin CLI text views', () => {
  it('given a lead with its history, when formatted, then a summary comes first and then one line per event with time, kind, actor, move and detail', () => {
    const report = LeadWithHistorySchema.parse({
      lead: {
        id: 'lead-1',
        status: 'OFFERED',
        attempt: 1,
        ownerId: 'ana',
        teamId: 'dach-sales',
        tier: 'hot',
        score: 110,
        receivedAt: '2026-03-01T10:00:00.000Z',
        contactDeadline: '2026-03-01T10:30:00.000Z',
        contact: { firstName: 'Dana', lastName: 'Fox', email: 'dana@example.com', product: 'solar' },
        fields: {},
      },
      history: [
        { at: '2026-03-01T10:00:00.000Z', kind: 'received', actor: 'webhook', to: 'RECEIVED' },
        { at: '2026-03-01T10:00:01.250Z', kind: 'offered', actor: 'router', from: 'RECEIVED', to: 'OFFERED', detail: { repId: 'ana', attempt: 1, tier: 'hot', score: 110, explanation: ['long'] } },
      ],
    });

    expect(formatLeadReport(report)).toEqual([
      'Lead lead-1: Dana Fox',
      '  status    OFFERED (attempt 1), owner ana, team dach-sales',
      '  tier      hot (score 110), product solar',
      '  contact   dana@example.com',
      '  received  2026-03-01 10:00:00Z, contact by 2026-03-01 10:30:00Z',
      'History (2 events):',
      '  2026-03-01 10:00:00Z  received  webhook  ->RECEIVED',
      '  2026-03-01 10:00:01Z  offered   router   RECEIVED->OFFERED  rep ana, attempt 1, hot 110',
    ]);
  });

  it('given a long reason, when shortened, then the detail stays on one line of bounded width', () => {
    const detail = shortDetail({ reason: 'x'.repeat(200), previousOwner: 'ben' });

    expect(detail.startsWith('taken from ben, "xxx')).toBe(true);
    expect(detail.length).toBeLessThanOrEqual(90);
  });

  it('given a team queue, when formatted, then one numbered line per lead in queue order', () => {
    const lines = formatTeamQueue({
      teamId: 'dach-sales',
      leads: [
        { id: 'l1', name: 'Hugo', tier: 'hot', score: 90, product: 'solar', receivedAt: '2026-03-01T10:00:00.000Z', attempt: 0 },
        { id: 'l2', name: 'Olga', tier: 'warm', score: 40, receivedAt: '2026-03-01T09:00:00.000Z', attempt: 2 },
      ],
    });

    expect(lines[0]).toBe('Team dach-sales: 2 leads waiting');
    expect(lines[1]).toMatch(/^ {2}1\. {2}hot .*Hugo {2}\(l1\)$/);
    expect(lines[2]).toMatch(/^ {2}2\. {2}warm .*attempt 2.*Olga {2}\(l2\)$/);
    expect(formatTeamQueue({ teamId: 't', leads: [] })).toEqual(['Team t: the queue is empty']);
  });
});
