import type { TestProject } from 'vitest/node';
import { LOCAL_CREDENTIALS, startEmulators, type Emulators } from '#infra/local/emulators.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorEndpoints: { dynamodb: string; sqs: string; ses: string };
  }
}

let emulators: Emulators | undefined;

/**
 * Starts DynamoDB Local, fauxqs and aws-ses-v2-local once for a tier's whole run, on free
 * ports (vitest loads this once per project: the integration and end-to-end tiers each get a
 * set). Each integration file provisions its own table and queues from the synthesized stack,
 * and each end-to-end stack its own prefixed ones, so files run in parallel without seeing each
 * other's data.
 */
export async function setup(project: TestProject): Promise<void> {
  emulators = await startEmulators();
  const { endpoints } = emulators;
  project.provide('emulatorEndpoints', endpoints);
  // Test workers inherit this environment: the SDK clients in the handlers find the emulators
  // exactly as they do on the local stack, by endpoint alone.
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
    POWERTOOLS_LOG_LEVEL: 'WARN',
    // Handlers are imported into the test workers: keep their EMF metric lines out of the output.
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
}

export async function teardown(): Promise<void> {
  await emulators?.stop();
}
