import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import {
  CapacityAboveMaximum,
  DomainError,
  ExpiredLinkToken,
  Forbidden,
  FranchiseMapConflict,
  FranchiseMapTooLarge,
  IdempotencyKeyReused,
  InvalidLead,
  InvalidSignature,
  InvalidLinkToken,
  LeadNotFound,
  LeadStateConflict,
  MalformedRequest,
  MethodNotAllowed,
  OriginNotAllowed,
  PayloadTooLarge,
  RepDisabled,
  RepNotFound,
  SessionEnded,
  SourceExists,
  SourceNotFound,
  TeamNotFound,
  TemporarilyUnavailable,
  TooManyRequests,
  UnsupportedMediaType,
} from '../domain/errors.ts';
import { loggableError, logger } from '../observability.ts';
import { Unauthorized } from './admin-auth.ts';

const statusByError = new Map<new (...args: never[]) => DomainError, number>([
  [MalformedRequest, 400],
  [Unauthorized, 401],
  [InvalidSignature, 401],
  [InvalidLinkToken, 403],
  [Forbidden, 403],
  [RepDisabled, 403],
  [SessionEnded, 403],
  [OriginNotAllowed, 403],
  [LeadNotFound, 404],
  [RepNotFound, 404],
  [SourceNotFound, 404],
  [MethodNotAllowed, 405],
  [TeamNotFound, 404],
  [LeadStateConflict, 409],
  [SourceExists, 409],
  [FranchiseMapConflict, 409],
  [ExpiredLinkToken, 410],
  [PayloadTooLarge, 413],
  [FranchiseMapTooLarge, 413],
  [UnsupportedMediaType, 415],
  [InvalidLead, 422],
  [IdempotencyKeyReused, 422],
  [CapacityAboveMaximum, 422],
  [TooManyRequests, 429],
  [TemporarilyUnavailable, 503],
]);

/** The one place domain errors become HTTP status codes. Unknown errors are 500. */
export function statusFor(error: unknown): number {
  for (const [type, status] of statusByError) if (error instanceof type) return status;
  return 500;
}

export interface ErrorBody {
  readonly message: string;
  readonly errors?: readonly { field: string; message: string }[];
}

/** What a caller may see: the domain message for its own mistakes, nothing internal otherwise. */
export function errorBody(error: unknown): ErrorBody {
  const status = statusFor(error);
  if (status === 500) return { message: 'Internal error' };
  if (error instanceof InvalidLead) return { message: error.title, errors: error.problems };
  return { message: (error as Error).message };
}

type Render = (status: number, error: unknown, event: unknown) => APIGatewayProxyResultV2;

/** Headers that tell a client when and how to try again. */
export function retryHeaders(status: number, error: unknown): Record<string, string> {
  if (status === 503) return { 'retry-after': '5' };
  if (error instanceof TooManyRequests) return { 'retry-after': String(error.retryAfterSeconds) };
  if (error instanceof Unauthorized) return { 'www-authenticate': 'Bearer' };
  return {};
}

export const renderJsonError: Render = (status, error) => ({
  statusCode: status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...retryHeaders(status, error) },
  body: JSON.stringify(errorBody(error)),
});

/**
 * middy onError: logs server faults with their stack, client mistakes briefly, and answers
 * with the renderer's shape (JSON for the webhook, a page for the rep's links).
 */
export function httpErrors(render: Render = renderJsonError): MiddlewareObj {
  return {
    onError: async (request) => {
      const status = statusFor(request.error);
      // The class, never the message: messages may quote the body or name an address.
      if (status >= 500) logger.error('request failed', { error: loggableError(request.error) });
      else logger.info('request rejected', { status, error: (request.error as Error).name });
      request.response = render(status, request.error, request.event);
    },
  };
}
