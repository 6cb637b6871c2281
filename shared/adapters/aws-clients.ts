import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * One client per service, created once per cold start and shared by the adapters. Region,
 * credentials and endpoint come from the environment (AWS_ENDPOINT_URL_<SERVICE> points a client
 * at a local emulator), so the same code runs on Lambda and locally with nothing else changed.
 */
/**
 * Each call gives up well within any function's timeout: a hung dependency fails fast and is
 * retried (by the SDK, then by whoever retries the effect or message), never left half-done.
 * Three attempts of at most 2.5 s each, plus the SDK's backoff, stay under the 10 s most functions have.
 */
export const clientDefaults = {
  maxAttempts: 3,
  // Without throwOnRequestTimeout the SDK only warns when a request outlives requestTimeout.
  requestHandler: { connectionTimeout: 2_000, requestTimeout: 2_500, throwOnRequestTimeout: true },
} as const;

export const dynamoDocument = DynamoDBDocumentClient.from(new DynamoDBClient(clientDefaults), {
  marshallOptions: { removeUndefinedValues: true },
});
export const sqs = new SQSClient(clientDefaults);
export const ses = new SESClient(clientDefaults);
export const sfn = new SFNClient(clientDefaults);
