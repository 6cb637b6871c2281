import { RemovalPolicy, Validations, type Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, type AddRoutesOptions } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { StackConfig } from '#shared/config/stack-config.ts';
import type { StackEnvironment } from './function-environment.ts';

/** The functions behind the API's routes. */
export interface ApiRouteTargets {
  readonly ingest: IFunction;
  readonly actions: IFunction;
  readonly portal: IFunction;
  readonly admin: IFunction;
  readonly adminImports: IFunction;
  readonly adminSimulate: IFunction;
}

/**
 * The HTTP API: its throttled stage with access logs, and (once the functions exist) its routes.
 * Its endpoint is the public base URL of the links in emails. Resources are created in the
 * stack's scope, so their logical IDs stay those of the deployed stacks (see LeadStorage).
 */
export class LeadRouterApi {
  readonly httpApi: HttpApi;

  constructor(stack: Stack, environment: StackEnvironment, config: StackConfig) {
    this.httpApi = new HttpApi(stack, 'Api', {
      description: `Lead router webhook and rep actions (${config.name})`,
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(stack, 'ApiAccessLogs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    new HttpStage(stack, 'ApiStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.api.ratePerSecond, burstLimit: config.api.burst },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // The route key, never the path: action links carry signed tokens in the path.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            route: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    environment.provide('PUBLIC_BASE_URL', this.httpApi.apiEndpoint);
  }

  get url(): string {
    return this.httpApi.apiEndpoint;
  }

  /** Every route of the API, each to the function that answers it. */
  addRoutes(targets: ApiRouteTargets): void {
    // No route uses an API Gateway authorizer: each kind of caller proves itself in its
    // function, in a way an authorizer could not express (landing pages by origin, honeypot and
    // rate limit; partners by HMAC signature or token; reps by signed links and sessions; admins
    // by the bearer key in Secrets Manager). Each group says so to cdk-nag.
    const routes = (auth: string, options: AddRoutesOptions) => {
      for (const route of this.httpApi.addRoutes(options)) {
        Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: `Authorized in the function: ${auth}` });
      }
    };
    const webhook = 'public sources by allowed origin, honeypot and per-client rate limit; signed sources by HMAC signature within a replay window; token sources by their secret; ad platform sources by the HMAC signature the platform adds with the app secret and, for their GET validation, a verify token or an HMAC challenge';
    const links = 'the path carries an HMAC-signed, expiring token naming the lead, the rep and the action';
    const session = 'sign-in by an emailed one-time link; then an HMAC-signed session cookie and per-form CSRF tokens';
    const adminKey = 'a bearer key kept in Secrets Manager (AdminApiKey), compared in constant time';

    // OPTIONS reaches the function, which answers each source's CORS preflight from its own allowed origins.
    const ingestIntegration = new HttpLambdaIntegration('IngestIntegration', targets.ingest);
    routes(webhook, { path: '/leads', methods: [HttpMethod.POST, HttpMethod.OPTIONS], integration: ingestIntegration });
    // GET: an ad platform's validation of its webhook (Meta's verify token, LinkedIn's challengeCode).
    routes(webhook, { path: '/sources/{sourceId}/leads', methods: [HttpMethod.GET, HttpMethod.POST, HttpMethod.OPTIONS], integration: ingestIntegration });
    routes(links, {
      path: '/a/{token}',
      // Mail scanners probe links with HEAD; it gets the same harmless page as GET.
      methods: [HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST],
      integration: new HttpLambdaIntegration('ActionsIntegration', targets.actions),
    });

    const portalIntegration = new HttpLambdaIntegration('PortalIntegration', targets.portal);
    routes(session, { path: '/portal', methods: [HttpMethod.GET], integration: portalIntegration });
    routes(session, { path: '/portal/{proxy+}', methods: [HttpMethod.GET, HttpMethod.POST], integration: portalIntegration });

    const adminIntegration = new HttpLambdaIntegration('AdminIntegration', targets.admin);
    routes(adminKey, { path: '/leads/{id}', methods: [HttpMethod.GET, HttpMethod.DELETE], integration: adminIntegration });
    routes(adminKey, { path: '/admin/reps/{repId}', methods: [HttpMethod.PATCH], integration: adminIntegration });
    routes(adminKey, { path: '/admin/reps/{repId}/disable', methods: [HttpMethod.POST], integration: adminIntegration });
    routes(adminKey, { path: '/admin/reps/{repId}/enable', methods: [HttpMethod.POST], integration: adminIntegration });
    routes(adminKey, { path: '/admin/redrive', methods: [HttpMethod.POST], integration: adminIntegration });
    routes(adminKey, { path: '/admin/recount', methods: [HttpMethod.POST], integration: adminIntegration });
    routes(adminKey, { path: '/admin/teams/{teamId}/queue', methods: [HttpMethod.GET], integration: adminIntegration });
    routes(adminKey, { path: '/admin/sources', methods: [HttpMethod.GET, HttpMethod.POST], integration: adminIntegration });
    routes(adminKey, { path: '/admin/sources/{sourceId}/secret', methods: [HttpMethod.GET, HttpMethod.PUT], integration: adminIntegration });

    // The admin API's imports and its simulator are functions of their own, behind the same key.
    const importsIntegration = new HttpLambdaIntegration('AdminImportsIntegration', targets.adminImports);
    routes(adminKey, { path: '/admin/reps', methods: [HttpMethod.POST], integration: importsIntegration });
    routes(adminKey, { path: '/admin/territories', methods: [HttpMethod.GET, HttpMethod.PUT], integration: importsIntegration });
    routes(adminKey, { path: '/admin/territories/history', methods: [HttpMethod.GET], integration: importsIntegration });
    routes(adminKey, { path: '/admin/simulate', methods: [HttpMethod.POST], integration: new HttpLambdaIntegration('AdminSimulateIntegration', targets.adminSimulate) });
  }
}
