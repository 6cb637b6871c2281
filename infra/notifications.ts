import { ArnFormat, Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { ConfigurationSet, ConfigurationSetTlsPolicy, EmailSendingEvent, EventDestination, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { StackConfig } from '#shared/config/stack-config.ts';
import type { StackEnvironment } from './function-environment.ts';

/**
 * What the stack tells people: the emails the functions send (through one SES configuration set,
 * whose bounces and complaints come back on a topic), and the alarm topic. Resources are
 * created in the stack's scope, so their logical IDs stay those of the deployed stacks (see
 * LeadStorage).
 */
export class Notifications {
  readonly alarmTopic: Topic;
  /** SES bounces and complaints, for the feedback function. */
  readonly feedbackTopic: Topic;
  readonly mail: ConfigurationSet;

  constructor(stack: Stack, environment: StackEnvironment, config: StackConfig) {
    // One customer-managed key for the two topics: CloudWatch (alarms) and SES (feedback) may
    // publish to an encrypted topic only with a key whose policy lets them.
    const notificationKey = new Key(stack, 'NotificationKey', {
      description: `Encrypts the alarm and email feedback topics of the lead router (${config.name})`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.alarmTopic = new Topic(stack, 'AlarmTopic', {
      displayName: `Lead router alarms (${config.name})`,
      masterKey: notificationKey,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));

    this.feedbackTopic = new Topic(stack, 'EmailFeedbackTopic', {
      displayName: `Lead router email bounces and complaints (${config.name})`,
      masterKey: notificationKey,
      enforceSSL: true,
    });
    // Every email goes out through this set: TLS to the receiving server, reputation metrics
    // for the bounce alarm, and bounces and complaints published to the feedback topic.
    this.mail = new ConfigurationSet(stack, 'Mail', {
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.mail.addEventDestination('BouncesAndComplaints', {
      destination: EventDestination.snsTopic(this.feedbackTopic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });

    // Sending through a configuration set needs both the identity and the set. The identity is
    // the verified address or its verified domain, whichever the admin set up in SES.
    const senderDomain = config.emailFrom.slice(config.emailFrom.lastIndexOf('@') + 1);
    const configurationSetArn = stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.mail.configurationSetName });
    const identityArns = [config.emailFrom, senderDomain].map((identity) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }));
    const sendEmail = new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['ses:SendEmail'],
      resources: [...identityArns, configurationSetArn],
      conditions: { StringEquals: { 'ses:FromAddress': config.emailFrom } },
    });

    // CloudWatch (alarms) and SES (bounces and complaints) may publish to the encrypted topics,
    // but only for this account and on behalf of what this stack set up in this region: its
    // alarms, and its configuration set (event publishing) or sender identity (identity
    // notifications). The source conditions keep another account's alarm or SES setup from
    // borrowing the key through the service (a confused deputy).
    const publishers: [string, string | string[]][] = [
      ['cloudwatch.amazonaws.com', stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      ['ses.amazonaws.com', [configurationSetArn, ...identityArns]],
    ];
    for (const [service, sourceArn] of publishers) {
      notificationKey.addToResourcePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          principals: [new ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': sourceArn } },
        }),
      );
    }
    environment.provide('EMAIL_FROM', config.emailFrom, (fn) => fn.addToRolePolicy(sendEmail));
    environment.provide('SES_CONFIGURATION_SET', this.mail.configurationSetName);
  }
}
