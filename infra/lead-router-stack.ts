import { CfnOutput, CustomResource, Duration, Stack, Stage, type StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { FunctionName } from '#shared/config/environment.ts';
import { ConfigFiles, encodeIntake, encodeRoutingSettings, routingSettings, type StackConfig } from '#shared/config/stack-config.ts';
import { LeadRouterApi } from './api.ts';
import { StackEnvironment } from './function-environment.ts';
import { LeadRouterFunction, repoRoot, type LeadRouterFunctionProps } from './lead-router-function.ts';
import { Messaging } from './messaging.ts';
import { LeadRouterMonitoring } from './monitoring.ts';
import { Notifications } from './notifications.ts';
import { StackSecrets } from './secrets.ts';
import { SlaTimerStateMachine } from './sla-timer.ts';
import { LeadStorage } from './storage.ts';
import { TABLE_ACCESS } from './table-access.ts';

export interface LeadRouterStackProps extends StackProps {
  readonly config: StackConfig;
  /**
   * The file `config.routing.territoriesFile` names, resolved next to the config. It rides in the
   * admin imports function's bundle, and a custom resource loads it into the table at deploy.
   */
  readonly territoriesFile?: string;
}

/**
 * One deployment of the lead router: its table, queues, notifications, keys, API, the twelve
 * functions with the variables and access their schemas ask for, the SLA timer, monitoring.
 * The parts create their resources in this stack's scope, under the logical IDs the deployed
 * stacks and the local runtime know them by.
 */
export class LeadRouterStack extends Stack {
  constructor(scope: Construct, id: string, props: LeadRouterStackProps) {
    super(scope, id, props);
    const { config } = props;

    // Each part provides the variables of what it creates; each function takes those it reads.
    const environment = new StackEnvironment();
    environment.provide('LEAD_ROUTER_STACK', config.name);
    this.#provideConfig(environment, 'STACK_CONFIG', encodeRoutingSettings(routingSettings(config)));
    this.#provideConfig(environment, 'INTAKE_CONFIG', encodeIntake(config.intake));

    const routeTimeout = Duration.seconds(30);
    // Room for a batch of fetches, each within its source's request timeout (at most 20 s), in parallel.
    const leadgenTimeout = Duration.seconds(30);
    const storage = new LeadStorage(this, environment);
    const { table } = storage;
    const messaging = new Messaging(this, environment, { routeTimeout, leadgenTimeout });
    const notifications = new Notifications(this, environment, config);
    const secrets = new StackSecrets(this, environment);
    const api = new LeadRouterApi(this, environment, config);

    // Each function with exactly the table access its code calls for (infra/table-access.ts).
    const fn = <F extends FunctionName>(id: string, fnProps: Omit<LeadRouterFunctionProps<F>, 'environment'>) => {
      const created = new LeadRouterFunction<F>(this, id, { ...fnProps, environment });
      storage.grant(created, TABLE_ACCESS[fnProps.name]);
      return created;
    };

    const ingest = fn('IngestFunction', {
      name: 'ingest',
      description: 'Validates a posted lead, stores it and queues it for routing',
    });
    // Created before the timer it serves, so it cannot take the timer's ARN (see its schema).
    const escalate = fn('EscalateFunction', {
      name: 'escalate',
      description: 'SLA timer tasks: takes back an offer not accepted in time, reminds the owner, escalates a lead not contacted in time',
    });
    const slaTimer = new SlaTimerStateMachine(this, environment, escalate).stateMachine;

    const route = fn('RouteFunction', {
      name: 'route',
      description: 'Offers each queued lead to the best available rep',
      timeout: routeTimeout,
    });
    route.addEventSource(
      // No batching window: every second before an offer lowers the odds of reaching the lead.
      new SqsEventSource(messaging.routingQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    // Ad platforms' announced leads: fetched from the platform's API, then taken like a webhook post.
    const leadgen = fn('LeadgenFunction', {
      name: 'leadgen',
      description: "Fetches each lead an ad platform (Facebook, Instagram, LinkedIn) announced from the platform's API and stores it",
      timeout: leadgenTimeout,
    });
    leadgen.addEventSource(
      // A few at a time: each is an HTTP call to the platform, all of a batch in parallel.
      new SqsEventSource(messaging.platformFetchQueue, { batchSize: 5, reportBatchItemFailures: true }),
    );

    const actions = fn('ActionsFunction', {
      name: 'actions',
      description: 'Confirmation pages and the actions behind the links in emails: accept, pass, contacted, won, lost, claim',
    });

    const portal = fn('PortalFunction', {
      name: 'portal',
      description: 'Rep portal: sign-in by email link, my leads, next lead, profile, team view',
      // Served at /portal/styles.css, read beside the code at cold start.
      files: ['shared/views/portal/portal.css'],
    });

    const admin = fn('AdminFunction', {
      name: 'admin',
      description: 'Admin API: leads and their history, erasure, a rep\'s changes and switches, sources, team queues, DLQ redrive, recounts',
      // Redrive moves messages until its time is nearly out, and erasure deletes a long history
      // in batches; the HTTP API waits at most 30 s.
      timeout: Duration.seconds(29),
    });

    const territories = props.territoriesFile === undefined ? undefined : territoriesAsset(props.territoriesFile);
    const adminImports = fn('AdminImportsFunction', {
      name: 'admin-imports',
      description: 'Admin API imports: reps in bulk, a franchise map\'s territories (import, export, history) and the deploy\'s territories file',
      // A territories import checks, compares and packs 100,000 rows in about a second on a
      // laptop core; the HTTP API waits at most 30 s, a deploy's custom resource as long.
      timeout: Duration.seconds(29),
      memorySize: 1024,
      ...(territories ? { files: [territories.bundled] } : {}),
    });
    if (territories) {
      // Each deploy of a changed file (its hash changed) makes it the table's next franchise map
      // version; a deploy of the same file leaves what `territories import` did since in place.
      new CustomResource(this, 'FranchiseTerritories', {
        serviceToken: adminImports.functionArn,
        resourceType: 'Custom::FranchiseTerritories',
        properties: { File: basename(territories.bundled), Sha256: territories.sha256 },
      });
    }

    const adminSimulate = fn('AdminSimulateFunction', {
      name: 'admin-simulate',
      description: 'Admin API routing simulator: who would get these leads now, and why, without assigning anything',
      // Up to 200 leads a request, each parsed and ranked against its team's roster.
      timeout: Duration.seconds(29),
      memorySize: 1024,
    });

    const feedback = fn('FeedbackFunction', {
      name: 'feedback',
      description: 'SES bounces and complaints: takes a rep whose address cannot take mail out of routing and tells the manager',
      deadLetterQueue: messaging.feedbackDlq,
    });
    notifications.feedbackTopic.addSubscription(new LambdaSubscription(feedback));

    // The outbox relay: every effect record a transition or a rep's account change writes (or the
    // sweeper re-arms) reaches it through the table's stream, whoever's key it is under. Batches
    // that fail as a whole are bisected to isolate the bad record, retries are bounded, and what
    // still fails goes to its DLQ (alarmed); the record itself stays in the table, where the
    // sweeper re-arms it.
    const effects = fn('EffectsFunction', {
      name: 'effects',
      description: "Effects relay: performs the emails, SLA timers and routing messages that lead transitions and reps' account changes recorded, once each",
      timeout: Duration.seconds(30),
    });
    effects.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 25,
        // Effects of different leads (and reps) in parallel; one owner's in order.
        parallelizationFactor: 4,
        bisectBatchOnError: true,
        retryAttempts: 8,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(messaging.effectsDlq),
        // Only effects waiting to be performed, a lead's or a rep's (the filter names no key): a
        // lead update, a history event, a rep's profile or an effect claimed by its committing
        // function (its fast path) never wakes the relay.
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
    const sweeper = fn('SweeperFunction', {
      name: 'sweeper',
      description: 'Every minute: drives on leads past a deadline that nothing acted on, re-arms stuck effects, recounts rep loads',
      timeout: Duration.seconds(55),
    });
    new Rule(this, 'SweepEveryMinute', {
      description: `Runs the lead router's sweeper (${config.name})`,
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(sweeper, { retryAttempts: 2 })],
    });

    api.addRoutes({ ingest, actions, portal, admin, adminImports, adminSimulate });

    const functions = { ingest, route, actions, escalate, portal, admin, adminImports, adminSimulate, feedback, effects, sweeper, leadgen };

    new LeadRouterMonitoring(this, 'Monitoring', {
      stackName: config.name,
      alarms: config.alarms,
      alarmTopic: notifications.alarmTopic,
      api: api.httpApi,
      routingQueue: messaging.routingQueue,
      deadLetterQueues: messaging.deadLetterQueues,
      functions,
      slaTimer,
      configurationSetName: notifications.mail.configurationSetName,
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Post leads to <ApiUrl>/leads' });
    new CfnOutput(this, 'PortalUrl', { value: `${api.url}/portal`, description: 'Reps sign in here with their email address' });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'RoutingDlqUrl', { value: messaging.routingDlq.queueUrl });
    new CfnOutput(this, 'FeedbackDlqUrl', { value: messaging.feedbackDlq.queueUrl });
    new CfnOutput(this, 'EffectsDlqUrl', { value: messaging.effectsDlq.queueUrl, description: 'Stream batches of follow-up effects the relay could not perform; the effects themselves are re-armed by the sweeper' });
    new CfnOutput(this, 'PlatformFetchDlqUrl', { value: messaging.platformFetchDlq.queueUrl, description: 'Ad platform leads that could not be fetched after every retry; npm run admin -- redrive sends them back' });
    new CfnOutput(this, 'PlatformAccessTokensSecret', { value: secrets.platformTokens.secretArn, description: 'Secrets Manager ARN of the ad platform access tokens (JSON by source id)' });
    new CfnOutput(this, 'AlarmTopicArn', { value: notifications.alarmTopic.topicArn, description: 'Alarms publish here; subscribe more addresses or a chat integration' });
    new CfnOutput(this, 'EmailConfigurationSet', { value: notifications.mail.configurationSetName });
    new CfnOutput(this, 'AdminApiKeySecret', { value: secrets.adminApiKey.secretArn, description: 'Secrets Manager ARN of the admin bearer key' });
  }

  /**
   * A config variable: deployed, a file in the bundle of each function that reads it (no size
   * limit, versioned with the code); for the local runtime, which does not bundle, the JSON itself.
   */
  #provideConfig(environment: StackEnvironment, name: keyof typeof ConfigFiles, json: string): void {
    if (!this.bundlingRequired) {
      environment.provide(name, json);
      return;
    }
    const dir = join(Stage.of(this)!.outdir, 'lead-router-config', this.artifactId);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, ConfigFiles[name]);
    writeFileSync(file, json);
    environment.provideFile(name, file);
  }
}

/** The territories file as the admin imports bundle carries it: its path from the repository root, and its hash. */
function territoriesAsset(file: string): { bundled: string; sha256: string } {
  return { bundled: relative(repoRoot, file), sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}
