// Portal requests for the middleware tests, from the sample event `npm run invoke` replays; not imported by production code.
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import sample from '#events/portal/my-leads.json' with { type: 'json' };

export interface Call {
  readonly cookies?: readonly string[];
  readonly form?: Record<string, string>;
}

/** A request to the portal as API Gateway sends it. */
export function portalRequest(method: 'GET' | 'POST', path: string, { cookies = [], form }: Call = {}): APIGatewayProxyEventV2 {
  const base: APIGatewayProxyEventV2 = sample;
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return {
    ...base,
    rawPath: path,
    cookies: [...cookies],
    requestContext: { ...base.requestContext, http: { ...base.requestContext.http, method, path } },
    headers: { ...base.headers, ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
    ...(body === undefined ? {} : { body }),
  };
}

/**
 * A fresh, empty Lambda context per invocation, typed as the middlewares under test leave it
 * (middy types a handler's context after its middlewares ran).
 */
export const lambdaContext = <C extends object>(): Context & C => ({}) as Context & C;
