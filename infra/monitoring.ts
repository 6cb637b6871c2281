import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  Stats,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { StackConfig } from '#shared/config/stack-config.ts';
import { LeadMetric, METRICS_NAMESPACE, SERVICE_NAME } from '#shared/metric-names.ts';

/** Alarm names, stable so the README runbook can name them. */
export const AlarmIds = {
  deadLetters: 'DeadLettersWaiting',
  routingBacklog: 'RoutingBacklog',
  slaBreachRate: 'SlaBreachRate',
  bounceRate: 'EmailBounceRate',
  functionErrors: (fn: string) => `${fn}Errors`,
  timerFailures: 'SlaTimerFailures',
} as const;

export interface LeadRouterMonitoringProps {
  readonly stackName: string;
  readonly alarms: StackConfig['alarms'];
  readonly alarmTopic: ITopic;
  readonly api: HttpApi;
  readonly routingQueue: Queue;
  readonly deadLetterQueues: readonly IQueue[];
  /** By a short name (ingest, route, ...) used in alarm and widget titles. */
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly slaTimer: StateMachine;
  readonly configurationSetName: string;
}

const capitalized = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/**
 * The dashboard a sales-ops admin opens first, and the alarms that email them: leads waiting in
 * a DLQ, a routing backlog, failing functions or timers, too many SLA breaches, a bounce rate
 * that puts the SES account at risk. Every alarm also tells when it is back to OK.
 */
export class LeadRouterMonitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: LeadRouterMonitoringProps) {
    super(scope, id);
    const { alarms: thresholds } = props;
    const notify = new SnsAction(props.alarmTopic);
    const lead = (metricName: string, statistic: string = Stats.SUM, period = Duration.minutes(5)) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME, stack: props.stackName },
        statistic,
        period,
      });
    const watch = (created: Alarm): void => {
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      this.alarms.push(created);
    };

    // Any message in a DLQ is a lead (or a bounce) nobody will route until a person redrives it.
    const deadLetters = new MathExpression({
      label: 'Messages in dead-letter queues',
      expression: props.deadLetterQueues.map((_, i) => `FILL(dlq${i}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(
        props.deadLetterQueues.map((queue, i) => [`dlq${i}`, queue.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, period: Duration.minutes(1) })]),
      ),
      period: Duration.minutes(1),
    });
    watch(
      deadLetters.createAlarm(this, AlarmIds.deadLetters, {
        alarmDescription: `Lead router ${props.stackName}: messages are waiting in a dead-letter queue. See README "Runbook: DeadLettersWaiting".`,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    const oldestMessage = props.routingQueue.metricApproximateAgeOfOldestMessage({ statistic: Stats.MAXIMUM, period: Duration.minutes(1) });
    watch(
      oldestMessage.createAlarm(this, AlarmIds.routingBacklog, {
        alarmDescription: `Lead router ${props.stackName}: a lead has waited more than ${thresholds.oldestMessageAgeSeconds} s to be routed. See README "Runbook: RoutingBacklog".`,
        threshold: thresholds.oldestMessageAgeSeconds,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    for (const [name, fn] of Object.entries(props.functions)) {
      watch(
        fn.metricErrors({ statistic: Stats.SUM, period: Duration.minutes(5) }).createAlarm(this, AlarmIds.functionErrors(capitalized(name)), {
          alarmDescription: `Lead router ${props.stackName}: the ${name} function failed. See README "Runbook: <Function>Errors".`,
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    watch(
      props.slaTimer.metricFailed({ statistic: Stats.SUM, period: Duration.minutes(5) }).createAlarm(this, AlarmIds.timerFailures, {
        alarmDescription: `Lead router ${props.stackName}: an SLA timer execution failed, so a lead may not be reassigned or escalated. See README "Runbook: SlaTimerFailures".`,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    // Breaches against leads received in the same hour: a ratio that holds for a quiet region
    // and a busy one. No leads, no data, no alarm.
    const slaBreachRate = new MathExpression({
      label: 'SLA breaches per 100 leads received',
      expression: 'IF(received > 0, 100 * FILL(breaches, 0) / received)',
      usingMetrics: { breaches: lead(LeadMetric.slaBreaches, Stats.SUM, Duration.hours(1)), received: lead(LeadMetric.received, Stats.SUM, Duration.hours(1)) },
      period: Duration.hours(1),
    });
    watch(
      slaBreachRate.createAlarm(this, AlarmIds.slaBreachRate, {
        alarmDescription: `Lead router ${props.stackName}: more than ${thresholds.slaBreachRatePercent}% of leads were not contacted within their deadline. See README "Runbook: SlaBreachRate".`,
        threshold: thresholds.slaBreachRatePercent,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    // Published by SES for the configuration set (reputationMetrics), as a fraction.
    const bounceRate = new Metric({
      namespace: 'AWS/SES',
      metricName: 'Reputation.BounceRate',
      dimensionsMap: { 'ses:configuration-set': props.configurationSetName },
      statistic: Stats.MAXIMUM,
      period: Duration.hours(1),
    });
    watch(
      bounceRate.createAlarm(this, AlarmIds.bounceRate, {
        alarmDescription: `Lead router ${props.stackName}: the email bounce rate is above ${thresholds.bounceRatePercent}%; SES reviews accounts at 5%. See README "Runbook: EmailBounceRate".`,
        threshold: thresholds.bounceRatePercent / 100,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    const funnel: IMetric[] = [
      LeadMetric.received,
      LeadMetric.offered,
      LeadMetric.accepted,
      LeadMetric.contacted,
      LeadMetric.queued,
      LeadMetric.nurtured,
      LeadMetric.escalated,
    ].map((name) => lead(name).with({ label: name.replace(/^Leads/, '') }));
    const timings = (stat: string) =>
      [LeadMetric.timeToOffer, LeadMetric.timeToAccept, LeadMetric.timeToContact].map((name) =>
        lead(name, stat).with({ label: `${name.replace(/^TimeTo/, 'to ')} (${stat})` }),
      );
    const fns = Object.entries(props.functions);

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(24),
      widgets: [
        [
          new TextWidget({
            markdown: `# Lead router: ${props.stackName}\nLeads in, offers out, and whether every lead is contacted in time. Alarms email the admin; the README's runbook says what each one means.`,
            width: 24,
            height: 2,
          }),
        ],
        [
          new GraphWidget({ title: 'Leads (per 5 minutes)', left: funnel, width: 12, stacked: false }),
          new SingleValueWidget({
            title: 'Last 24 hours',
            metrics: [
              lead(LeadMetric.received, Stats.SUM, Duration.days(1)).with({ label: 'Received' }),
              lead(LeadMetric.contacted, Stats.SUM, Duration.days(1)).with({ label: 'Contacted' }),
              lead(LeadMetric.slaBreaches, Stats.SUM, Duration.days(1)).with({ label: 'SLA breaches' }),
            ],
            width: 12,
          }),
        ],
        [
          new GraphWidget({ title: 'Time from arrival (seconds, median)', left: timings(Stats.p(50)), width: 12 }),
          new GraphWidget({ title: 'Time from arrival (seconds, 90th percentile)', left: timings(Stats.p(90)), width: 12 }),
        ],
        [
          new GraphWidget({
            title: 'SLA breaches and offers that moved on',
            left: [LeadMetric.slaBreaches, LeadMetric.offersExpired, LeadMetric.offersRejected].map((name) => lead(name)),
            right: [slaBreachRate],
            width: 12,
          }),
          new GraphWidget({
            title: 'Routing queue and dead letters',
            left: [props.routingQueue.metricApproximateNumberOfMessagesVisible({ label: 'Waiting to be routed' }), deadLetters],
            right: [oldestMessage.with({ label: 'Oldest message (s)' })],
            width: 12,
          }),
        ],
        [
          new GraphWidget({ title: 'Function errors', left: fns.map(([name, fn]) => fn.metricErrors({ label: name, period: Duration.minutes(5) })), width: 8 }),
          new GraphWidget({ title: 'Function throttles', left: fns.map(([name, fn]) => fn.metricThrottles({ label: name, period: Duration.minutes(5) })), width: 8 }),
          new GraphWidget({
            title: 'Function duration (p90, ms)',
            left: fns.map(([name, fn]) => fn.metricDuration({ label: name, statistic: Stats.p(90), period: Duration.minutes(5) })),
            width: 8,
          }),
        ],
        [
          new GraphWidget({
            title: 'Webhook and pages',
            left: [props.api.metricClientError({ label: '4xx' }), props.api.metricServerError({ label: '5xx' })],
            right: [props.api.metricLatency({ label: 'latency p90 (ms)', statistic: Stats.p(90) })],
            width: 12,
          }),
          new GraphWidget({
            title: 'Email reputation',
            left: [
              bounceRate.with({ label: 'bounce rate' }),
              new Metric({
                namespace: 'AWS/SES',
                metricName: 'Reputation.ComplaintRate',
                dimensionsMap: { 'ses:configuration-set': props.configurationSetName },
                statistic: Stats.MAXIMUM,
                period: Duration.hours(1),
                label: 'complaint rate',
              }),
            ],
            width: 12,
          }),
        ],
        [new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    });
  }
}
