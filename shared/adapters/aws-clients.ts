import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../observability.ts';

/**
 * One client per service, created once per cold start and shared by the adapters. Region,
 * credentials and endpoint come from the environment (AWS_ENDPOINT_URL_<SERVICE> points a client
 * at a local emulator), so the same code runs on Lambda and locally with nothing else changed.
 * Each call is an X-Ray subsegment on Lambda; where tracing is off the clients are left as they are.
 */
export const dynamoDocument = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true },
});
export const sqs = tracer.captureAWSv3Client(new SQSClient({}));
export const ses = tracer.captureAWSv3Client(new SESClient({}));
export const sfn = tracer.captureAWSv3Client(new SFNClient({}));
