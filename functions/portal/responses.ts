import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** After a POST (or to a page elsewhere): 303, so the browser follows with a GET. */
export function redirect(location: string, cookies: readonly string[] = []): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 303, headers: { location, 'cache-control': 'no-store' }, cookies: [...cookies] };
}

export function withStatus(result: APIGatewayProxyStructuredResultV2, statusCode: number): APIGatewayProxyStructuredResultV2 {
  return { ...result, statusCode };
}

export function withCookies(result: APIGatewayProxyStructuredResultV2, cookies: readonly string[]): APIGatewayProxyStructuredResultV2 {
  return { ...result, cookies: [...(result.cookies ?? []), ...cookies] };
}
