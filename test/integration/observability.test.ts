import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { loadEvent, useLocalStack } from './support.ts';

/** One line of CloudWatch embedded metric format, as Powertools writes it to stdout. */
const EmfSchema = z.looseObject({
  _aws: z.object({
    CloudWatchMetrics: z.array(z.object({ Namespace: z.string(), Dimensions: z.array(z.array(z.string())), Metrics: z.array(z.object({ Name: z.string(), Unit: z.string() })) })),
  }),
});
const LogLineSchema = z.looseObject({ level: z.string(), message: z.string() });

let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
let stackName: string;

beforeAll(async () => {
  const stack = await useLocalStack('ingest');
  // The suite keeps metrics off and logs at WARN; this file reads both, so the handler loads with them on.
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  stackName = process.env.LEAD_ROUTER_STACK || 'local';
  // support.ts loaded the shared modules (logger, metrics) before this environment was set: load the
  // handler with fresh ones, as a cold start with the template's environment would.
  vi.resetModules();
  handler = await stack.handler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>();
});

afterAll(() => {
  vi.unstubAllEnvs();
});

/** Runs the handler and returns its response with every line it wrote to stdout. */
async function invokeCapturing(event: APIGatewayProxyEventV2) {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write);
  try {
    return { response: await handler(event), lines };
  } finally {
    spy.mockRestore();
  }
}

describe('ingest handler observability', () => {
  it('given the sample JSON post, when handled, then LeadsReceived is flushed with exactly the dimensions service and stack, the lead id is no dimension, and the log line carries the lead id', async () => {
    const { response, lines } = await invokeCapturing(loadEvent('ingest/post-lead-json.json'));

    expect(response.statusCode).toBe(202);
    const { leadId } = z.object({ leadId: z.string() }).parse(JSON.parse(response.body ?? '{}'));
    const emf = lines.filter((line) => line.includes('"_aws"')).map((line) => EmfSchema.parse(JSON.parse(line)));
    expect(emf.find((record) => 'LeadsReceived' in record)).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'LeadRouter', Dimensions: [['service', 'stack']], Metrics: [{ Name: 'LeadsReceived', Unit: 'Count' }] }] },
      service: 'lead-router',
      stack: stackName,
      LeadsReceived: 1,
    });
    for (const record of emf) {
      const dimensions = record._aws.CloudWatchMetrics.flatMap((set) => set.Dimensions.flat());
      expect(dimensions).not.toContain('leadId');
      expect(dimensions.map((name) => record[name])).not.toContain(leadId);
    }
    const logs = lines.filter((line) => line.includes('"message"')).map((line) => LogLineSchema.parse(JSON.parse(line)));
    expect(logs.find((log) => log.message === 'lead received')).toMatchObject({ level: 'INFO', leadId, service: 'lead-router' });
  });
});
