import { Logger } from '@aws-lambda-powertools/logger';

/** One logger for the service; handlers append the lead id per record or request. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lead-router' });
