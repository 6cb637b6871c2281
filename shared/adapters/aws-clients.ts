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
export const dynamoDocument = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
export const sqs = new SQSClient({});
export const ses = new SESClient({});
export const sfn = new SFNClient({});
