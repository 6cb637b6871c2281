import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, JsonPath, LogLevel, StateMachine, StateMachineType, TaskInput, Wait, WaitTime } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { encodeIntake, encodeRoutingSettings, routingSettings, type StackConfig } from '#shared/config/stack-config.ts';
import { LeadRouterFunction } from './lead-router-function.ts';

export interface LeadRouterStackProps extends StackProps {
  readonly config: StackConfig;
}

/** State names of the SLA timer; the local runtime binds task states to handlers by these. */
export const SlaStates = {
  waitForAcceptWindow: 'WaitForAcceptWindow',
  checkAcceptance: 'CheckAcceptance',
  waitForReminder: 'WaitForReminder',
  remindOwner: 'RemindOwner',
  waitForContactDeadline: 'WaitForContactDeadline',
  escalate: 'Escalate',
} as const;

export class LeadRouterStack extends Stack {
  constructor(scope: Construct, id: string, props: LeadRouterStackProps) {
    super(scope, id, props);
    const { config } = props;

    const table = new TableV2(this, 'Leads', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          // Team queues (QUEUE#team, by tier then age) and team rosters (TEAM#team).
          indexName: 'gsi1',
          partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
          sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
        },
        {
          // A rep's open leads (OWNER#rep, by offer time), for the portal.
          indexName: 'gsi2',
          partitionKey: { name: 'gsi2pk', type: AttributeType.STRING },
          sortKey: { name: 'gsi2sk', type: AttributeType.STRING },
        },
      ],
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      encryption: TableEncryptionV2.awsManagedKey(),
      // Leads are customer data: deleting the stack must never delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const routingDlq = new Queue(this, 'RoutingDlq', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const routeTimeout = Duration.seconds(30);
    const routingQueue = new Queue(this, 'RoutingQueue', {
      // AWS advises six times the consumer's timeout so a slow batch is not redelivered mid-flight.
      visibilityTimeout: Duration.seconds(routeTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: routingDlq, maxReceiveCount: 5 },
    });

    const linkSigningKey = new Secret(this, 'LinkSigningKey', {
      description: 'HMAC key that signs the accept and reject links in offer emails',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    const sessionKey = new Secret(this, 'SessionKey', {
      description: 'HMAC key that signs rep portal sign-in links, session cookies and form tokens',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    const adminApiKey = new Secret(this, 'AdminApiKey', {
      description: 'Bearer key for the admin endpoints (lead history, routing simulator)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });

    const sourceSigningKey = new Secret(this, 'SourceSigningKey', {
      description: 'Master key from which each signed or token lead source gets its own secret',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    const httpApi = new HttpApi(this, 'Api', {
      description: `Lead router webhook and rep actions (${config.name})`,
    });

    const common = {
      TABLE_NAME: table.tableName,
      STACK_CONFIG: encodeRoutingSettings(routingSettings(config)),
    };

    const ingest = new LeadRouterFunction(this, 'IngestFunction', {
      entry: 'functions/ingest/handler.ts',
      description: 'Validates a posted lead, stores it and queues it for routing',
      environment: {
        ...common,
        ROUTING_QUEUE_URL: routingQueue.queueUrl,
        INTAKE_CONFIG: encodeIntake(config.name, config.intake),
        SOURCE_SIGNING_SECRET: sourceSigningKey.secretArn,
      },
    });
    // Single items only: leads and their pointers (in transactions), idempotency records,
    // rate-limit windows, sources added by the admin. No scans, no batch writes.
    table.grant(
      ingest,
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    );
    routingQueue.grantSendMessages(ingest);
    sourceSigningKey.grantRead(ingest);

    const escalate = new LeadRouterFunction(this, 'EscalateFunction', {
      entry: 'functions/escalate/handler.ts',
      description: 'SLA timer tasks: takes back an offer not accepted in time, reminds the owner, escalates a lead not contacted in time',
      environment: {
        ...common,
        EMAIL_FROM: config.emailFrom,
        PUBLIC_BASE_URL: httpApi.apiEndpoint,
        ROUTING_QUEUE_URL: routingQueue.queueUrl,
        LINK_SIGNING_SECRET: linkSigningKey.secretArn,
      },
    });
    table.grantReadWriteData(escalate);
    routingQueue.grantSendMessages(escalate);
    linkSigningKey.grantRead(escalate);

    // All task states run the same function; `step` tells it which instant came.
    const slaStep = (id: string, step: 'accept-window' | 'reminder' | 'contact-deadline') =>
      new LambdaInvoke(this, id, {
        lambdaFunction: escalate,
        payload: TaskInput.fromObject({
          step,
          leadId: JsonPath.stringAt('$.leadId'),
          attempt: JsonPath.numberAt('$.attempt'),
          acceptDeadline: JsonPath.stringAt('$.acceptDeadline'),
          reminderAt: JsonPath.stringAt('$.reminderAt'),
          contactDeadline: JsonPath.stringAt('$.contactDeadline'),
        }),
        payloadResponseOnly: true,
        retryOnServiceExceptions: true,
        // Keep the timer's input for the next wait; the outcome is in the lead's history.
        resultPath: JsonPath.DISCARD,
      });
    const slaTimer = new StateMachine(this, 'SlaTimer', {
      stateMachineType: StateMachineType.STANDARD,
      comment:
        'Per lead and attempt: take the offer back if it is not accepted in time, remind the owner, then escalate if nobody contacted the lead by its deadline',
      definitionBody: DefinitionBody.fromChainable(
        new Wait(this, SlaStates.waitForAcceptWindow, { time: WaitTime.timestampPath('$.acceptDeadline') })
          .next(slaStep(SlaStates.checkAcceptance, 'accept-window'))
          .next(new Wait(this, SlaStates.waitForReminder, { time: WaitTime.timestampPath('$.reminderAt') }))
          .next(slaStep(SlaStates.remindOwner, 'reminder'))
          .next(new Wait(this, SlaStates.waitForContactDeadline, { time: WaitTime.timestampPath('$.contactDeadline') }))
          .next(slaStep(SlaStates.escalate, 'contact-deadline')),
      ),
      logs: {
        destination: new LogGroup(this, 'SlaTimerLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
        level: LogLevel.ERROR,
        includeExecutionData: false,
      },
      tracingEnabled: true,
    });

    const route = new LeadRouterFunction(this, 'RouteFunction', {
      entry: 'functions/route/handler.ts',
      description: 'Offers each queued lead to the best available rep',
      timeout: routeTimeout,
      environment: {
        ...common,
        EMAIL_FROM: config.emailFrom,
        PUBLIC_BASE_URL: httpApi.apiEndpoint,
        SLA_STATE_MACHINE_ARN: slaTimer.stateMachineArn,
        LINK_SIGNING_SECRET: linkSigningKey.secretArn,
      },
    });
    table.grantReadWriteData(route);
    slaTimer.grantStartExecution(route);
    linkSigningKey.grantRead(route);
    route.addEventSource(
      // No batching window: every second before an offer lowers the odds of reaching the lead.
      new SqsEventSource(routingQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    const actions = new LeadRouterFunction(this, 'ActionsFunction', {
      entry: 'functions/actions/handler.ts',
      description: 'Confirmation pages and the actions behind the links in emails: accept, pass, contacted, won, lost, claim',
      environment: {
        ...common,
        ROUTING_QUEUE_URL: routingQueue.queueUrl,
        LINK_SIGNING_SECRET: linkSigningKey.secretArn,
        SLA_STATE_MACHINE_ARN: slaTimer.stateMachineArn,
      },
    });
    table.grantReadWriteData(actions);
    routingQueue.grantSendMessages(actions);
    linkSigningKey.grantRead(actions);
    // A claimed lead starts the timer of its new attempt.
    slaTimer.grantStartExecution(actions);

    const portal = new LeadRouterFunction(this, 'PortalFunction', {
      entry: 'functions/portal/handler.ts',
      description: 'Rep portal: sign-in by email link, my leads, next lead, profile, team view',
      environment: {
        ...common,
        EMAIL_FROM: config.emailFrom,
        PUBLIC_BASE_URL: httpApi.apiEndpoint,
        ROUTING_QUEUE_URL: routingQueue.queueUrl,
        SLA_STATE_MACHINE_ARN: slaTimer.stateMachineArn,
        SESSION_SECRET: sessionKey.secretArn,
      },
    });
    table.grantReadWriteData(portal);
    routingQueue.grantSendMessages(portal);
    sessionKey.grantRead(portal);
    // A lead pulled from the queue starts the timer of its new attempt.
    slaTimer.grantStartExecution(portal);

    const admin = new LeadRouterFunction(this, 'AdminFunction', {
      entry: 'functions/admin/handler.ts',
      description: 'Admin API: a lead with its history, and the routing simulator',
      environment: {
        ...common,
        ADMIN_API_KEY_SECRET: adminApiKey.secretArn,
        INTAKE_CONFIG: encodeIntake(config.name, config.intake),
        SOURCE_SIGNING_SECRET: sourceSigningKey.secretArn,
        ROUTING_QUEUE_URL: routingQueue.queueUrl,
      },
    });
    // Writes: erasing a lead, importing reps, adding sources.
    table.grantReadWriteData(admin);
    adminApiKey.grantRead(admin);
    sourceSigningKey.grantRead(admin);
    routingQueue.grantSendMessages(admin);

    const sendEmail = new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['ses:SendEmail'],
      resources: [`arn:${this.partition}:ses:${this.region}:${this.account}:identity/*`],
      conditions: { StringEquals: { 'ses:FromAddress': config.emailFrom } },
    });
    route.addToRolePolicy(sendEmail);
    escalate.addToRolePolicy(sendEmail);
    portal.addToRolePolicy(sendEmail);

    // OPTIONS reaches the function, which answers each source's CORS preflight from its own allowed origins.
    const ingestIntegration = new HttpLambdaIntegration('IngestIntegration', ingest);
    httpApi.addRoutes({ path: '/leads', methods: [HttpMethod.POST, HttpMethod.OPTIONS], integration: ingestIntegration });
    httpApi.addRoutes({ path: '/sources/{sourceId}/leads', methods: [HttpMethod.POST, HttpMethod.OPTIONS], integration: ingestIntegration });
    httpApi.addRoutes({
      path: '/a/{token}',
      // Mail scanners probe links with HEAD; it gets the same harmless page as GET.
      methods: [HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST],
      integration: new HttpLambdaIntegration('ActionsIntegration', actions),
    });

    const portalIntegration = new HttpLambdaIntegration('PortalIntegration', portal);
    httpApi.addRoutes({ path: '/portal', methods: [HttpMethod.GET], integration: portalIntegration });
    httpApi.addRoutes({ path: '/portal/{proxy+}', methods: [HttpMethod.GET, HttpMethod.POST], integration: portalIntegration });

    const adminIntegration = new HttpLambdaIntegration('AdminIntegration', admin);
    httpApi.addRoutes({ path: '/leads/{id}', methods: [HttpMethod.GET, HttpMethod.DELETE], integration: adminIntegration });
    httpApi.addRoutes({ path: '/admin/simulate', methods: [HttpMethod.POST], integration: adminIntegration });
    httpApi.addRoutes({ path: '/admin/reps', methods: [HttpMethod.POST], integration: adminIntegration });
    httpApi.addRoutes({ path: '/admin/teams/{teamId}/queue', methods: [HttpMethod.GET], integration: adminIntegration });
    httpApi.addRoutes({ path: '/admin/sources', methods: [HttpMethod.GET, HttpMethod.POST], integration: adminIntegration });
    httpApi.addRoutes({ path: '/admin/sources/{sourceId}/secret', methods: [HttpMethod.GET, HttpMethod.PUT], integration: adminIntegration });

    new CfnOutput(this, 'ApiUrl', { value: httpApi.apiEndpoint, description: 'Post leads to <ApiUrl>/leads' });
    new CfnOutput(this, 'PortalUrl', { value: `${httpApi.apiEndpoint}/portal`, description: 'Reps sign in here with their email address' });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'RoutingDlqUrl', { value: routingDlq.queueUrl });
    new CfnOutput(this, 'AdminApiKeySecret', { value: adminApiKey.secretArn, description: 'Secrets Manager ARN of the admin bearer key' });
  }
}
