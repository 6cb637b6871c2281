import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { refreshRouting } from '../config/routing-source.ts';
import type { RoutingConfigSource } from '../franchise/routing-config-source.ts';
import { observed } from '../observability.ts';
import { requireAdmin } from './admin-auth.ts';
import { httpErrors } from './errors.ts';

/**
 * The admin API as each of its functions serves its share of it (admin, admin-imports,
 * admin-simulate): the same middlewares, every route behind the bearer key, JSON answers.
 */

export type AdminRoute = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

export const json = (statusCode: number, body: unknown): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** The routes of one function, by API Gateway route key; every one takes `Authorization: Bearer <admin key>`. */
export function adminApi(routes: Readonly<Record<string, AdminRoute>>, deps: { readonly adminKey: string; readonly routing: RoutingConfigSource }) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(observed())
    .use(refreshRouting(deps.routing))
    .use(httpErrors())
    .handler(async (event, context) => {
      requireAdmin(event.headers, deps.adminKey);
      const route = routes[event.routeKey];
      if (!route) return json(404, { message: `No admin route ${event.routeKey}` });
      return route(event, context);
    });
}
