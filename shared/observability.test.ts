import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { LeadMetric } from './metric-names.ts';
import { createMetrics, loggableError } from './observability.ts';

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

const countReceived = (sink: Metrics) => sink.addMetric(LeadMetric.received, MetricUnit.Count, 1);

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

describe('metrics as CloudWatch EMF', () => {
  it('given one lead counted, when flushed, then one EMF record counts LeadsReceived in LeadRouter with exactly the dimensions service and stack', () => {
    const { emf } = flush(countReceived);

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

  it('given no stack name and another namespace in the environment, when flushed, then the stack dimension is "local" and the namespace is the configured one', () => {
    const { emf } = flush(countReceived, { POWERTOOLS_METRICS_NAMESPACE: 'LeadRouterStaging' });

    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: 'LeadRouterStaging', Dimensions: [['service', 'stack']] }] }, service: 'lead-router', stack: 'local' });
  });

  it('given counts and timings of several leads in one invocation, when flushed, then they travel in one EMF record with the dimensions service and stack, each metric with all its values', () => {
    const { emf } = flush((sink) => {
      sink.addMetric(LeadMetric.offered, MetricUnit.Count, 1);
      sink.addMetric(LeadMetric.timeToOffer, MetricUnit.Seconds, 90);
      sink.addMetric(LeadMetric.offered, MetricUnit.Count, 1);
      sink.addMetric(LeadMetric.timeToOffer, MetricUnit.Seconds, 0.5);
    });

    expect(emf).toHaveLength(1);
    expect(emf[0]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'stack']]);
    expect(metricsOf(emf)).toEqual({
      LeadsOffered: { unit: 'Count', value: [1, 1] },
      TimeToOffer: { unit: 'Seconds', value: [90, 0.5] },
    });
  });

  it('given an invocation that recorded nothing (a page view), when flushed, then nothing is written, not even a warning', () => {
    const { stdout, stderr } = flush(() => undefined);

    expect(stdout).toEqual([]);
    expect(stderr).toEqual([]);
  });

  it('given metrics disabled as the local runtime and the integration tests set them, when a lead is counted and flushed, then nothing is written', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');

    const { stdout, stderr } = flush(countReceived);

    expect(stdout).toEqual([]);
    expect(stderr).toEqual([]);
  });
});

describe('the observability module', () => {
  it('given its source, when its imports are read, then of this codebase it imports only the metric names (handlers, composition roots and the error mapping import it for the logger, so a use case or an adapter here would close an import cycle)', () => {
    const source = readFileSync(new URL('./observability.ts', import.meta.url), 'utf8');
    const imported = [...source.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm)].map((match) => match[1]!);

    expect(new Set(imported.filter((path) => path.startsWith('.')))).toEqual(new Set(['./metric-names.ts']));
  });
});

describe('tracing', () => {
  it("given the code every function bundles (shared/ and functions/), when its imports are read, then none loads Powertools' Tracer or the X-Ray SDK: tracing is the function's active tracing, and the SDK would add about 100 KB to every bundle", () => {
    const root = new URL('..', import.meta.url);
    const sources = ['shared', 'functions'].flatMap((folder) =>
      readdirSync(new URL(folder, root), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
        .map((file) => `${folder}/${file}`),
    );
    const loadsTracer = sources.filter((file) => /['"](@aws-lambda-powertools\/tracer|aws-xray-sdk-core)(\/[^'"]*)?['"]/.test(readFileSync(new URL(file, root), 'utf8')));

    expect(sources.length).toBeGreaterThan(100);
    expect(loadsTracer).toEqual([]);
  });
});

describe('loggableError', () => {
  it("given an SDK error whose message and reasons echo an item, when made loggable, then its class, fault, status, codes and frames stay and nothing of the item", () => {
    const error = new TransactionCanceledException({
      message: 'Transaction cancelled: dana@example.com',
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: [{ Code: 'ConditionalCheckFailed', Message: 'dana@example.com', Item: { email: { S: 'dana@example.com' } } }, { Code: 'None' }],
    });
    const wrapped = new Error('could not store Dana Fox', { cause: error });

    const logged = loggableError(wrapped);

    expect(JSON.stringify(logged)).not.toMatch(/dana|Dana/);
    expect(logged).toMatchObject({
      name: 'Error',
      stack: expect.arrayContaining([expect.stringMatching(/^at /)]),
      cause: { name: 'TransactionCanceledException', fault: 'client', httpStatusCode: 400, cancellationReasons: ['ConditionalCheckFailed', 'None'] },
    });
  });

  it('given something thrown that is no error, when made loggable, then only its type is said', () => {
    expect(loggableError('dana@example.com')).toEqual({ name: 'string' });
  });
});
