import type { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { LeadStatus, type Lead } from '../domain/lead.ts';
import type { LinkAction } from '../domain/link-token.ts';
import { createMetrics } from '../observability.ts';
import type { MyLeadAction } from '../use-cases/rep-portal.ts';
import { recordAnswered, recordDeadline, recordPulled, recordReceived, recordRouted } from './lead-funnel.ts';

type Recorded = Record<string, { unit: string; value: unknown }>;

/**
 * Name -> unit and value(s) of every metric `record` stored on a fresh Metrics, as its EMF record
 * would carry them (how that record reaches stdout is observability.test.ts's to show).
 */
function recorded(record: (sink: Metrics) => void): Recorded {
  const sink = createMetrics({ LEAD_ROUTER_STACK: 'dach-prod' });
  record(sink);
  const emf = sink.serializeMetrics();
  return Object.fromEntries(emf._aws.CloudWatchMetrics.flatMap((set) => set.Metrics.map((m) => [m.Name, { unit: m.Unit, value: emf[m.Name] }])));
}

const lead = (over: Partial<Lead> = {}): Lead => ({
  id: 'lead-1',
  status: LeadStatus.accepted,
  teamId: 'dach-sales',
  attempt: 1,
  ownerId: 'ana',
  receivedAt: '2026-03-02T10:00:00.000Z',
  contactDeadline: '2026-03-02T10:30:00.000Z',
  excludedReps: [],
  contact: { firstName: 'Dana' },
  fields: {},
  ...over,
});

describe('the lead funnel as metrics', () => {
  it('given a new lead stored by ingest, when recorded, then LeadsReceived is counted once', () => {
    expect(recorded((sink) => recordReceived({ status: 'received' }, sink))).toEqual({ LeadsReceived: { unit: 'Count', value: 1 } });
  });

  it('given a duplicate joined to a lead, an idempotent replay and a bot post, when recorded, then only LeadsJoined is counted', () => {
    const metrics = recorded((sink) => {
      recordReceived({ status: 'joined' }, sink);
      recordReceived({ status: 'received', replayed: true }, sink);
      recordReceived({ status: 'joined', replayed: true }, sink);
      recordReceived({ status: 'received', dropped: true }, sink);
    });

    expect(metrics).toEqual({ LeadsJoined: { unit: 'Count', value: 1 } });
  });

  it('given a public post that joined a lead but was answered as a new one, when recorded, then it counts as joined, not received', () => {
    expect(recorded((sink) => recordReceived({ status: 'received', joinedLeadId: 'lead-1' }, sink))).toEqual({ LeadsJoined: { unit: 'Count', value: 1 } });
  });

  it('given a batch the router offered, queued, nurtured and left alone, when recorded, then offers with their seconds since arrival and only newly queued leads are counted', () => {
    const metrics = recorded((sink) => {
      recordRouted({ kind: 'offered', repId: 'ana', attempt: 1, receivedAt: '2026-03-02T10:00:00.000Z', offeredAt: '2026-03-02T10:01:30.000Z' }, sink);
      recordRouted({ kind: 'offered', repId: 'ben', attempt: 2, receivedAt: '2026-03-02T10:00:00.000Z', offeredAt: '2026-03-02T10:00:00.500Z' }, sink);
      recordRouted({ kind: 'queued', teamId: 'dach-sales', newlyQueued: true }, sink);
      recordRouted({ kind: 'queued', teamId: 'dach-sales', newlyQueued: false }, sink);
      recordRouted({ kind: 'nurtured' }, sink);
      recordRouted({ kind: 'unchanged', status: LeadStatus.contacted }, sink);
      recordRouted({ kind: 'gone' }, sink);
    });

    expect(metrics).toEqual({
      LeadsOffered: { unit: 'Count', value: [1, 1] },
      TimeToOffer: { unit: 'Seconds', value: [90, 0.5] },
      LeadsQueued: { unit: 'Count', value: 1 },
      LeadsNurtured: { unit: 'Count', value: 1 },
    });
  });

  it.each<[string, LinkAction | MyLeadAction, Partial<Lead>, Recorded]>([
    [
      'an accepted offer',
      'accept',
      { acceptedAt: '2026-03-02T10:02:00.000Z' },
      { LeadsAccepted: { unit: 'Count', value: 1 }, TimeToAccept: { unit: 'Seconds', value: 120 } },
    ],
    [
      'a lead marked contacted',
      'contacted',
      { status: LeadStatus.contacted, contactedAt: '2026-03-02T10:12:30.000Z' },
      { LeadsContacted: { unit: 'Count', value: 1 }, TimeToContact: { unit: 'Seconds', value: 750 } },
    ],
    ['a rejected offer', 'reject', { status: LeadStatus.received }, { OffersRejected: { unit: 'Count', value: 1 } }],
    [
      'a queued lead claimed by a rep (offered and accepted at once)',
      'claim',
      { offeredAt: '2026-03-02T10:05:00.000Z', acceptedAt: '2026-03-02T10:05:00.000Z' },
      {
        LeadsOffered: { unit: 'Count', value: 1 },
        TimeToOffer: { unit: 'Seconds', value: 300 },
        LeadsAccepted: { unit: 'Count', value: 1 },
        TimeToAccept: { unit: 'Seconds', value: 300 },
      },
    ],
    ['a lead closed as won', 'won', { status: LeadStatus.closed }, {}],
    ['a lead handed back in the portal', 'release', { status: LeadStatus.received }, {}],
  ])('given %s, when recorded, then the funnel metrics are exactly those of that step', (_name, action, over, expected) => {
    expect(recorded((sink) => recordAnswered(action, lead(over), sink))).toEqual(expected);
  });

  it('given a rep who pulled a lead and one who found the queue empty, when recorded, then one claim is counted as offered and accepted', () => {
    const claimed = lead({ offeredAt: '2026-03-02T10:01:00.000Z', acceptedAt: '2026-03-02T10:01:00.000Z' });
    const metrics = recorded((sink) => {
      recordPulled({ kind: 'claimed', lead: claimed }, sink);
      recordPulled({ kind: 'empty' }, sink);
    });

    expect(metrics).toEqual({
      LeadsOffered: { unit: 'Count', value: 1 },
      TimeToOffer: { unit: 'Seconds', value: 60 },
      LeadsAccepted: { unit: 'Count', value: 1 },
      TimeToAccept: { unit: 'Seconds', value: 60 },
    });
  });

  it('given the SLA timer expired an offer, escalated an uncontacted lead and found nothing else to do, when recorded, then OffersExpired, SlaBreaches and LeadsEscalated are counted once each', () => {
    const metrics = recorded((sink) => {
      recordDeadline({ expired: true, repId: 'ana' }, sink);
      recordDeadline({ expired: false, reason: 'answered' }, sink);
      recordDeadline({ escalated: true, to: 'manager@example.com', reassigned: true }, sink);
      recordDeadline({ escalated: false, reason: 'already-escalated' }, sink);
      recordDeadline({ escalated: false, reason: 'settled' }, sink);
      recordDeadline({ reminded: true, repId: 'ana' }, sink);
    });

    expect(metrics).toEqual({
      OffersExpired: { unit: 'Count', value: 1 },
      SlaBreaches: { unit: 'Count', value: 1 },
      LeadsEscalated: { unit: 'Count', value: 1 },
    });
  });
});
