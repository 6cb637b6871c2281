import type { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { LeadStatus, type Lead } from './domain/lead.ts';
import type { LinkAction } from './domain/link-token.ts';
import { createMetrics, LeadMetric, recordAnswered, recordDeadline, recordPulled, recordReceived, recordRouted } from './observability.ts';
import type { MyLeadAction } from './use-cases/rep-portal.ts';

/** One line of CloudWatch embedded metric format, as Powertools writes it to stdout. */
const EmfSchema = z.looseObject({
  _aws: z.object({
    Timestamp: z.number(),
    CloudWatchMetrics: z.array(
      z.object({
        Namespace: z.string(),
        Dimensions: z.array(z.array(z.string())),
        Metrics: z.array(z.object({ Name: z.string(), Unit: z.string() })),
      }),
    ),
  }),
});
type Emf = z.infer<typeof EmfSchema>;

const NOW = new Date('2026-03-02T10:15:00.000Z');
const STACK_ENV = { LEAD_ROUTER_STACK: 'dach-prod' };

/** Records on a fresh Metrics of `env`, flushes it, and returns what reached stdout and stderr. */
function flush(record: (sink: Metrics) => void, env: Record<string, string> = STACK_ENV) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const capture = (into: string[]) => ((chunk: string | Uint8Array) => (into.push(String(chunk)), true)) as typeof process.stdout.write;
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture(stdout));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture(stderr));
  try {
    const sink = createMetrics(env);
    record(sink);
    sink.publishStoredMetrics();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const emf = stdout.filter((line) => line.includes('"_aws"')).map((line) => EmfSchema.parse(JSON.parse(line)));
  return { emf, stdout, stderr };
}

/** Name -> unit and value(s) of every metric in the flushed records. */
function metricsOf(emf: readonly Emf[]): Record<string, { unit: string; value: unknown }> {
  return Object.fromEntries(
    emf.flatMap((record) => record._aws.CloudWatchMetrics.flatMap((set) => set.Metrics.map((m) => [m.Name, { unit: m.Unit, value: record[m.Name] }]))),
  );
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

beforeEach(() => {
  // Whatever the shell says: these tests read what Metrics writes.
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_DEV', 'false');
  vi.useFakeTimers().setSystemTime(NOW);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe('lead metrics as CloudWatch EMF', () => {
  it('given a new lead stored by ingest, when flushed, then one EMF record counts LeadsReceived in LeadRouter with exactly the dimensions service and stack', () => {
    const { emf } = flush((sink) => recordReceived({ status: 'received' }, sink));

    expect(emf).toEqual([
      {
        _aws: {
          Timestamp: NOW.getTime(),
          CloudWatchMetrics: [{ Namespace: 'LeadRouter', Dimensions: [['service', 'stack']], Metrics: [{ Name: 'LeadsReceived', Unit: 'Count' }] }],
        },
        service: 'lead-router',
        stack: 'dach-prod',
        LeadsReceived: 1,
      },
    ]);
  });

  it('given a duplicate joined to a lead, an idempotent replay and a bot post, when flushed, then only LeadsJoined is counted', () => {
    const { emf } = flush((sink) => {
      recordReceived({ status: 'joined' }, sink);
      recordReceived({ status: 'received', replayed: true }, sink);
      recordReceived({ status: 'joined', replayed: true }, sink);
      recordReceived({ status: 'received', dropped: true }, sink);
    });

    expect(metricsOf(emf)).toEqual({ LeadsJoined: { unit: 'Count', value: 1 } });
  });

  it('given no stack name and another namespace in the environment, when flushed, then the stack dimension is "local" and the namespace is the configured one', () => {
    const { emf } = flush((sink) => recordReceived({ status: 'received' }, sink), { POWERTOOLS_METRICS_NAMESPACE: 'LeadRouterStaging' });

    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: 'LeadRouterStaging', Dimensions: [['service', 'stack']] }] }, service: 'lead-router', stack: 'local' });
  });

  it('given a batch the router offered, queued, nurtured and left alone, when flushed, then offers with their seconds since arrival and only newly queued leads are counted', () => {
    const { emf } = flush((sink) => {
      recordRouted({ kind: 'offered', repId: 'ana', attempt: 1, receivedAt: '2026-03-02T10:00:00.000Z', offeredAt: '2026-03-02T10:01:30.000Z' }, sink);
      recordRouted({ kind: 'offered', repId: 'ben', attempt: 2, receivedAt: '2026-03-02T10:00:00.000Z', offeredAt: '2026-03-02T10:00:00.500Z' }, sink);
      recordRouted({ kind: 'queued', teamId: 'dach-sales', newlyQueued: true }, sink);
      recordRouted({ kind: 'queued', teamId: 'dach-sales', newlyQueued: false }, sink);
      recordRouted({ kind: 'nurtured' }, sink);
      recordRouted({ kind: 'unchanged', status: LeadStatus.contacted }, sink);
      recordRouted({ kind: 'gone' }, sink);
    });

    expect(emf).toHaveLength(1);
    expect(emf[0]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'stack']]);
    expect(metricsOf(emf)).toEqual({
      LeadsOffered: { unit: 'Count', value: [1, 1] },
      TimeToOffer: { unit: 'Seconds', value: [90, 0.5] },
      LeadsQueued: { unit: 'Count', value: 1 },
      LeadsNurtured: { unit: 'Count', value: 1 },
    });
  });

  it.each<[string, LinkAction | MyLeadAction, Partial<Lead>, Record<string, { unit: string; value: unknown }>]>([
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
  ])('given %s, when flushed, then the funnel metrics are exactly those of that step', (_name, action, over, expected) => {
    const { emf } = flush((sink) => recordAnswered(action, lead(over), sink));

    expect(metricsOf(emf)).toEqual(expected);
  });

  it('given a rep who pulled a lead and one who found the queue empty, when flushed, then one claim is counted as offered and accepted', () => {
    const claimed = lead({ offeredAt: '2026-03-02T10:01:00.000Z', acceptedAt: '2026-03-02T10:01:00.000Z' });
    const { emf } = flush((sink) => {
      recordPulled({ kind: 'claimed', lead: claimed }, sink);
      recordPulled({ kind: 'empty' }, sink);
    });

    expect(metricsOf(emf)).toEqual({
      LeadsOffered: { unit: 'Count', value: 1 },
      TimeToOffer: { unit: 'Seconds', value: 60 },
      LeadsAccepted: { unit: 'Count', value: 1 },
      TimeToAccept: { unit: 'Seconds', value: 60 },
    });
  });

  it('given the SLA timer expired an offer, escalated an uncontacted lead and found nothing else to do, when flushed, then OffersExpired, SlaBreaches and LeadsEscalated are counted once each', () => {
    const { emf } = flush((sink) => {
      recordDeadline({ expired: true, repId: 'ana' }, sink);
      recordDeadline({ expired: false, reason: 'answered' }, sink);
      recordDeadline({ escalated: true, to: 'manager@example.com', reassigned: true }, sink);
      recordDeadline({ escalated: false, reason: 'already-escalated' }, sink);
      recordDeadline({ escalated: false, reason: 'settled' }, sink);
      recordDeadline({ reminded: true, repId: 'ana' }, sink);
    });

    expect(metricsOf(emf)).toEqual({
      OffersExpired: { unit: 'Count', value: 1 },
      SlaBreaches: { unit: 'Count', value: 1 },
      LeadsEscalated: { unit: 'Count', value: 1 },
    });
  });

  it('given an invocation that recorded nothing (a page view), when flushed, then nothing is written, not even a warning', () => {
    const { stdout, stderr } = flush(() => undefined);

    expect(stdout).toEqual([]);
    expect(stderr).toEqual([]);
  });

  it('given metrics disabled as the local runtime and the integration tests set them, when a lead is counted and flushed, then nothing is written', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');

    const { stdout, stderr } = flush((sink) => recordReceived({ status: 'received' }, sink));

    expect(stdout).toEqual([]);
    expect(stderr).toEqual([]);
  });
});
