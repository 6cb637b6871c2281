import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type CfnElement, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, type AddRoutesOptions } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, ProjectionType, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigurationSet, EmailSendingEvent, EventDestination, SuppressionReasons, ConfigurationSetTlsPolicy } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Errors, JitterType, JsonPath, LogLevel, StateMachine, StateMachineType, TaskInput, Wait, WaitTime } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { encodeIntake, encodeRoutingSettings, routingSettings, type StackConfig } from '#shared/config/stack-config.ts';
import type { EffectKind } from '#shared/config/composition.ts';
import { LeadRouterFunction } from './lead-router-function.ts';
import { LeadRouterMonitoring } from './monitoring.ts';

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
  timerFailed: 'TimerFailed',
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
        {
          // What is due (DUE#shard, by due time): leads past their next deadline, effects past
          // their retry budget, for the sweeper. Sparse: only items with something due are in it.
          indexName: 'gsi3',
          partitionKey: { name: 'gsi3pk', type: AttributeType.STRING },
          sortKey: { name: 'gsi3sk', type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        },
      ],
      // The outbox: the effects relay reads every effect record a transition writes from here.
      dynamoStream: StreamViewType.NEW_IMAGE,
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

    /** A dead-letter queue that no queue redrives to (cdk-nag's SQS3 looks for one), kept for a person to look at. */
    const deadLetters = (id: string, whose: string) => {
      const queue = new Queue(this, id, { retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
      Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: `This queue is itself the dead-letter queue of ${whose}, which cdk-nag does not recognise` });
      return queue;
    };
    // Bounce and complaint notifications that the feedback function could not take, after
    // Lambda's own retries: kept for a person to look at (the alarm on DLQs says so).
    const feedbackDlq = deadLetters('FeedbackDlq', 'the feedback function (a Lambda DLQ)');

    // One customer-managed key for the two topics: CloudWatch (alarms) and SES (feedback) may
    // publish to an encrypted topic only with a key whose policy lets them.
    const notificationKey = new Key(this, 'NotificationKey', {
      description: `Encrypts the alarm and email feedback topics of the lead router (${config.name})`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    for (const service of ['cloudwatch.amazonaws.com', 'ses.amazonaws.com']) {
      notificationKey.grant(new ServicePrincipal(service), 'kms:Decrypt', 'kms:GenerateDataKey*');
    }
    const alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Lead router alarms (${config.name})`,
      masterKey: notificationKey,
      enforceSSL: true,
    });
    if (config.alarmEmail) alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));

    const feedbackTopic = new Topic(this, 'EmailFeedbackTopic', {
      displayName: `Lead router email bounces and complaints (${config.name})`,
      masterKey: notificationKey,
      enforceSSL: true,
    });
    // Every email goes out through this set: TLS to the receiving server, reputation metrics
    // for the bounce alarm, and bounces and complaints published to the feedback topic.
    const mail = new ConfigurationSet(this, 'Mail', {
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    mail.addEventDestination('BouncesAndComplaints', {
      destination: EventDestination.snsTopic(feedbackTopic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
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

    // Rotating a signing key on a schedule would void every link and session signed with the
    // old one (offers in reps' inboxes, sources' configured secrets); keys are rotated by hand,
    // at a quiet hour, as the runbook describes.
    const withoutRotation: [Secret, string][] = [
      [linkSigningKey, 'accept and reject links in offer emails already sent would stop working mid-offer'],
      [sessionKey, 'every rep would be signed out of the portal and their sign-in links voided'],
      [adminApiKey, 'the admin key is held by the admin CLI users; it is replaced by hand with "aws secretsmanager put-secret-value" when someone leaves'],
      [sourceSigningKey, 'every signed or token source derives its secret from it; rotating it breaks every configured partner, Typeform or HubSpot webhook at once'],
    ];
    for (const [secret, why] of withoutRotation) {
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: `No scheduled rotation: ${why}` });
    }

    const httpApi = new HttpApi(this, 'Api', {
      description: `Lead router webhook and rep actions (${config.name})`,
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    const stage = new HttpStage(this, 'ApiStage', {
      httpApi,
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

    const common = {
      TABLE_NAME: table.tableName,
      STACK_CONFIG: encodeRoutingSettings(routingSettings(config)),
      LEAD_ROUTER_STACK: config.name,
    };
    // Sending through a configuration set needs both the identity and the set. The identity is
    // the verified address or its verified domain, whichever the admin set up in SES.
    const senderDomain = config.emailFrom.slice(config.emailFrom.lastIndexOf('@') + 1);
    const sendEmail = new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['ses:SendEmail'],
      resources: [
        this.formatArn({ service: 'ses', resource: 'identity', resourceName: config.emailFrom }),
        this.formatArn({ service: 'ses', resource: 'identity', resourceName: senderDomain }),
        this.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: mail.configurationSetName }),
      ],
      conditions: { StringEquals: { 'ses:FromAddress': config.emailFrom } },
    });

    /**
     * What a function may do with the follow-up effects of the transitions it commits (and the
     * emails and messages it sends itself): each kind's variable and its permission, set together,
     * as `performersFromEnv` in shared/config/composition.ts reads them.
     */
    const performs = (fn: LeadRouterFunction, kinds: readonly EffectKind[]) => {
      if (kinds.includes('email')) {
        fn.addEnvironment('EMAIL_FROM', config.emailFrom);
        fn.addEnvironment('SES_CONFIGURATION_SET', mail.configurationSetName);
        fn.addToRolePolicy(sendEmail);
      }
      if (kinds.includes('timer')) {
        fn.addEnvironment('SLA_STATE_MACHINE_ARN', slaTimer.stateMachineArn);
        slaTimer.grantStartExecution(fn);
      }
      if (kinds.includes('message')) {
        fn.addEnvironment('ROUTING_QUEUE_URL', routingQueue.queueUrl);
        routingQueue.grantSendMessages(fn);
      }
    };

    const ingest = new LeadRouterFunction(this, 'IngestFunction', {
      entry: 'functions/ingest/handler.ts',
      description: 'Validates a posted lead, stores it and queues it for routing',
      environment: {
        ...common,
        INTAKE_CONFIG: encodeIntake(config.name, config.intake),
        SOURCE_SIGNING_SECRET: sourceSigningKey.secretArn,
      },
    });
    // Each new lead is sent to routing.
    performs(ingest, ['message']);
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
    sourceSigningKey.grantRead(ingest);

    const escalate = new LeadRouterFunction(this, 'EscalateFunction', {
      entry: 'functions/escalate/handler.ts',
      description: 'SLA timer tasks: takes back an offer not accepted in time, reminds the owner, escalates a lead not contacted in time',
      environment: {
        ...common,
        PUBLIC_BASE_URL: httpApi.apiEndpoint,
        LINK_SIGNING_SECRET: linkSigningKey.secretArn,
      },
    });
    // Emails and routing; a new timer after a failed step goes through the relay (naming its own state machine would be a cycle).
    performs(escalate, ['email', 'message']);
    table.grantReadWriteData(escalate);
    linkSigningKey.grantRead(escalate);

    // All task states run the same function; `step` tells it which instant came.
    const slaStep = (id: string, step: 'accept-window' | 'reminder' | 'contact-deadline' | 'timer-failed') => {
      const task = new LambdaInvoke(this, id, {
        lambdaFunction: escalate,
        payload: TaskInput.fromObject({
          step,
          leadId: JsonPath.stringAt('$.leadId'),
          attempt: JsonPath.numberAt('$.attempt'),
          acceptDeadline: JsonPath.stringAt('$.acceptDeadline'),
          reminderAt: JsonPath.stringAt('$.reminderAt'),
          contactDeadline: JsonPath.stringAt('$.contactDeadline'),
          ...(step === 'timer-failed' ? { failure: JsonPath.objectAt('$.failure') } : {}),
        }),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        // Keep the timer's input for the next wait; the outcome is in the lead's history.
        resultPath: JsonPath.DISCARD,
      });
      // Every error is retried, spread out (an SES or DynamoDB throttle during a burst passes):
      // 1, 2, 4, 8, 16 and 30 s, about a minute in all, with full jitter.
      task.addRetry({ errors: [Errors.ALL], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 6, maxDelay: Duration.seconds(30), jitterStrategy: JitterType.FULL });
      return task;
    };
    // A step that still fails records that on the lead and hands it on (a new watcher, routing
    // if it waits for it); should even that fail, the execution fails (alarmed) and the sweeper
    // acts on the lead's deadlines.
    const timerFailed = slaStep(SlaStates.timerFailed, 'timer-failed');
    const withCatch = (task: LambdaInvoke) => task.addCatch(timerFailed, { errors: [Errors.ALL], resultPath: '$.failure' });
    const slaTimer = new StateMachine(this, 'SlaTimer', {
      stateMachineType: StateMachineType.STANDARD,
      comment:
        'Per lead and attempt: take the offer back if it is not accepted in time, remind the owner, then escalate if nobody contacted the lead by its deadline',
      definitionBody: DefinitionBody.fromChainable(
        new Wait(this, SlaStates.waitForAcceptWindow, { time: WaitTime.timestampPath('$.acceptDeadline') })
          .next(withCatch(slaStep(SlaStates.checkAcceptance, 'accept-window')))
          .next(new Wait(this, SlaStates.waitForReminder, { time: WaitTime.timestampPath('$.reminderAt') }))
          .next(withCatch(slaStep(SlaStates.remindOwner, 'reminder')))
          .next(new Wait(this, SlaStates.waitForContactDeadline, { time: WaitTime.timestampPath('$.contactDeadline') }))
          .next(withCatch(slaStep(SlaStates.escalate, 'contact-deadline'))),
      ),
      logs: {
        destination: new LogGroup(this, 'SlaTimerLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
        level: LogLevel.ALL,
        includeExecutionData: false,
      },
      tracingEnabled: true,
    });
    Validations.of(slaTimer).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(escalate.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: 'LambdaInvoke grants the escalate function and its versions (<arn>:*), as Step Functions invokes a qualified ARN when one is given',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray tracing and CloudWatch Logs log delivery (logs:CreateLogDelivery and friends) have no resource-level permissions; AWS requires Resource "*"',
      },
    );

    const route = new LeadRouterFunction(this, 'RouteFunction', {
      entry: 'functions/route/handler.ts',
      description: 'Offers each queued lead to the best available rep',
      timeout: routeTimeout,
      environment: {
        ...common,
        PUBLIC_BASE_URL: httpApi.apiEndpoint,
        LINK_SIGNING_SECRET: linkSigningKey.secretArn,
      },
    });
    // Offers (email and timer), queue notices and invitations.
    performs(route, ['email', 'timer', 'message']);
    table.grantReadWriteData(route);
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
        LINK_SIGNING_SECRET: linkSigningKey.secretArn,
      },
    });
    // A pass sends the lead on, a claim starts its timer.
    performs(actions, ['timer', 'message']);
    table.grantReadWriteData(actions);
    linkSigningKey.grantRead(actions);

    const portal = new LeadRouterFunction(this, 'PortalFunction', {
      entry: 'functions/portal/handler.ts',
      description: 'Rep portal: sign-in by email link, my leads, next lead, profile, team view',
      // Served at /portal/styles.css, read beside the code at cold start.
      files: ['shared/views/portal/portal.css'],
      environment: {
        ...common,
        PUBLIC_BASE_URL: httpApi.apiEndpoint,
        SESSION_SECRET: sessionKey.secretArn,
        // A lead assigned by hand gets its offer email, with signed links, from the portal's transaction.
        LINK_SIGNING_SECRET: linkSigningKey.secretArn,
      },
    });
    // Hand-backs, pulls (a timer), assignments by hand (an offer email and timer), sign-in links.
    performs(portal, ['email', 'timer', 'message']);
    table.grantReadWriteData(portal);
    sessionKey.grantRead(portal);
    linkSigningKey.grantRead(portal);

    const admin = new LeadRouterFunction(this, 'AdminFunction', {
      entry: 'functions/admin/handler.ts',
      description: 'Admin API: leads and their history, erasure, rep import, sources, team queues, routing simulator, DLQ redrive',
      environment: {
        ...common,
        ADMIN_API_KEY_SECRET: adminApiKey.secretArn,
        INTAKE_CONFIG: encodeIntake(config.name, config.intake),
        SOURCE_SIGNING_SECRET: sourceSigningKey.secretArn,
        ROUTING_DLQ_URL: routingDlq.queueUrl,
      },
    });
    // Rep import and erasure drain team queues; redrive sends routing messages back.
    performs(admin, ['message']);
    // Writes: erasing a lead, importing reps, adding sources.
    table.grantReadWriteData(admin);
    adminApiKey.grantRead(admin);
    sourceSigningKey.grantRead(admin);
    // Redrive: routing messages move from the DLQ back to the routing queue.
    routingDlq.grantConsumeMessages(admin);

    const feedback = new LeadRouterFunction(this, 'FeedbackFunction', {
      entry: 'functions/feedback/handler.ts',
      description: 'SES bounces and complaints: takes a rep whose address cannot take mail out of routing and tells the manager',
      environment: {
        ...common,
        PUBLIC_BASE_URL: httpApi.apiEndpoint,
      },
      deadLetterQueue: feedbackDlq,
    });
    // Offers made to an address that bounced go back to routing at once; the manager is told.
    performs(feedback, ['email', 'message']);
    table.grantReadWriteData(feedback);
    feedbackTopic.addSubscription(new LambdaSubscription(feedback));

    // The outbox relay: every effect record a transition writes (or the sweeper re-arms) reaches
    // it through the table's stream. Batches that fail as a whole are bisected to isolate the
    // bad record, retries are bounded, and what still fails goes to its DLQ (alarmed); the
    // record itself stays in the table, where the sweeper re-arms it.
    const effectsDlq = deadLetters('EffectsDlq', "the effects relay's stream event source mapping (its on-failure destination)");
    const effects = new LeadRouterFunction(this, 'EffectsFunction', {
      entry: 'functions/effects/handler.ts',
      description: 'Effects relay: performs the emails, SLA timers and routing messages that lead transitions recorded, once each',
      timeout: Duration.seconds(30),
      environment: {
        TABLE_NAME: table.tableName,
        LEAD_ROUTER_STACK: config.name,
      },
    });
    performs(effects, ['email', 'timer', 'message']);
    // Claims and marks effect records: single-item updates only.
    table.grant(effects, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
    effects.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 25,
        // Effects of different leads in parallel; one lead's in order.
        parallelizationFactor: 4,
        bisectBatchOnError: true,
        retryAttempts: 8,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(effectsDlq),
        // Only effects waiting to be performed: a lead update, a history event or an effect
        // claimed by its committing function (its fast path) never wakes the relay.
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.or('INSERT', 'MODIFY'),
            dynamodb: { NewImage: { type: { S: FilterRule.isEqual('effect') }, status: { S: FilterRule.isEqual('pending') } } },
          }),
        ],
      }),
    );

    // The last line of defence: leads nothing acts on are driven on, stuck effects re-armed,
    // rep loads recounted.
    const sweeper = new LeadRouterFunction(this, 'SweeperFunction', {
      entry: 'functions/sweeper/handler.ts',
      description: 'Every minute: drives on leads past a deadline that nothing acted on, re-arms stuck effects, recounts rep loads',
      timeout: Duration.seconds(55),
      environment: {
        ...common,
        PUBLIC_BASE_URL: httpApi.apiEndpoint,
      },
    });
    performs(sweeper, ['email', 'timer', 'message']);
    table.grantReadWriteData(sweeper);
    new Rule(this, 'SweepEveryMinute', {
      description: `Runs the lead router's sweeper (${config.name})`,
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(sweeper, { retryAttempts: 2 })],
    });


    // No route uses an API Gateway authorizer: each kind of caller proves itself in its
    // function, in a way an authorizer could not express (landing pages by origin, honeypot and
    // rate limit; partners by HMAC signature or token; reps by signed links and sessions; admins
    // by the bearer key in Secrets Manager). Each group says so to cdk-nag.
    const routes = (auth: string, options: AddRoutesOptions) => {
      for (const route of httpApi.addRoutes(options)) {
        Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: `Authorized in the function: ${auth}` });
      }
    };
    const webhook = 'public sources by allowed origin, honeypot and per-client rate limit; signed sources by HMAC signature within a replay window; token sources by their secret';
    const links = 'the path carries an HMAC-signed, expiring token naming the lead, the rep and the action';
    const session = 'sign-in by an emailed one-time link; then an HMAC-signed session cookie and per-form CSRF tokens';
    const adminKey = 'a bearer key kept in Secrets Manager (AdminApiKey), compared in constant time';

    // OPTIONS reaches the function, which answers each source's CORS preflight from its own allowed origins.
    const ingestIntegration = new HttpLambdaIntegration('IngestIntegration', ingest);
    routes(webhook, { path: '/leads', methods: [HttpMethod.POST, HttpMethod.OPTIONS], integration: ingestIntegration });
    routes(webhook, { path: '/sources/{sourceId}/leads', methods: [HttpMethod.POST, HttpMethod.OPTIONS], integration: ingestIntegration });
    routes(links, {
      path: '/a/{token}',
      // Mail scanners probe links with HEAD; it gets the same harmless page as GET.
      methods: [HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST],
      integration: new HttpLambdaIntegration('ActionsIntegration', actions),
    });

    const portalIntegration = new HttpLambdaIntegration('PortalIntegration', portal);
    routes(session, { path: '/portal', methods: [HttpMethod.GET], integration: portalIntegration });
    routes(session, { path: '/portal/{proxy+}', methods: [HttpMethod.GET, HttpMethod.POST], integration: portalIntegration });

    const adminIntegration = new HttpLambdaIntegration('AdminIntegration', admin);
    routes(adminKey, { path: '/leads/{id}', methods: [HttpMethod.GET, HttpMethod.DELETE], integration: adminIntegration });
    routes(adminKey, { path: '/admin/simulate', methods: [HttpMethod.POST], integration: adminIntegration });
    routes(adminKey, { path: '/admin/reps', methods: [HttpMethod.POST], integration: adminIntegration });
    routes(adminKey, { path: '/admin/redrive', methods: [HttpMethod.POST], integration: adminIntegration });
    routes(adminKey, { path: '/admin/recount', methods: [HttpMethod.POST], integration: adminIntegration });
    routes(adminKey, { path: '/admin/teams/{teamId}/queue', methods: [HttpMethod.GET], integration: adminIntegration });
    routes(adminKey, { path: '/admin/sources', methods: [HttpMethod.GET, HttpMethod.POST], integration: adminIntegration });
    routes(adminKey, { path: '/admin/sources/{sourceId}/secret', methods: [HttpMethod.GET, HttpMethod.PUT], integration: adminIntegration });

    // grantReadWriteData and grantRead on a TableV2 include its indexes (`<table>/index/*`):
    // queries on gsi1 (team queues, rosters) and gsi2 (a rep's leads) need them.
    const tableIndexes = `Resource::<${this.getLogicalId(table.node.defaultChild as CfnElement)}.Arn>/index/*`;
    for (const fn of [ingest, route, actions, escalate, portal, admin, feedback, effects, sweeper]) {
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[${tableIndexes}]`,
        reason: "The table grant covers its two global secondary indexes (team queues and rosters, a rep's leads), which the functions query",
      });
    }

    new LeadRouterMonitoring(this, 'Monitoring', {
      stackName: config.name,
      alarms: config.alarms,
      alarmTopic,
      api: httpApi,
      routingQueue,
      deadLetterQueues: [routingDlq, feedbackDlq, effectsDlq],
      functions: { ingest, route, actions, escalate, portal, admin, feedback, effects, sweeper },
      slaTimer,
      configurationSetName: mail.configurationSetName,
    });

    new CfnOutput(this, 'ApiUrl', { value: httpApi.apiEndpoint, description: 'Post leads to <ApiUrl>/leads' });
    new CfnOutput(this, 'PortalUrl', { value: `${httpApi.apiEndpoint}/portal`, description: 'Reps sign in here with their email address' });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'RoutingDlqUrl', { value: routingDlq.queueUrl });
    new CfnOutput(this, 'FeedbackDlqUrl', { value: feedbackDlq.queueUrl });
    new CfnOutput(this, 'EffectsDlqUrl', { value: effectsDlq.queueUrl, description: 'Stream batches of follow-up effects the relay could not perform; the effects themselves are re-armed by the sweeper' });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topicArn, description: 'Alarms publish here; subscribe more addresses or a chat integration' });
    new CfnOutput(this, 'EmailConfigurationSet', { value: mail.configurationSetName });
    new CfnOutput(this, 'AdminApiKeySecret', { value: adminApiKey.secretArn, description: 'Secrets Manager ARN of the admin bearer key' });
  }
}
