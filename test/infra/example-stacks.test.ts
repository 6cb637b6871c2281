import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, configNames, loadStackConfigs, stackId } from '#infra/app.ts';
import { deployCommand } from '#infra/deploy.ts';
import type { LeadRouterStack } from '#infra/lead-router-stack.ts';
import { AlarmIds } from '#infra/monitoring.ts';
import { ConfigFiles, decodeConfigVariable, RoutingSettingsSchema, routingSettings } from '#shared/config/stack-config.ts';
import { packagedPhoneMetadata } from '#shared/domain/phone-metadata.ts';
import { IntakeSchema } from '#shared/ingest/source-config.ts';
import { LeadMetric } from '#shared/metric-names.ts';
import { cdkJsonContext, logicalIdOf, repoRoot } from './support.ts';

/*
 * Every deployment shipped in infra/stacks, synthesized in one app as `npm run synth` does
 * (without bundling): the AWS Solutions checks, and what a franchise admin trusts each stack
 * with: encryption, TLS, throttling, access logs, retained data, alarms and a dashboard.
 */
const configs = loadStackConfigs();
const { app, stacks } = buildApp({ bundle: false, context: cdkJsonContext() });
const assembly = app.synth();
const byName = new Map(stacks.map((stack, i) => [configs[i]!.name, { stack, config: configs[i]!, template: Template.fromStack(stack) }]));
const tempDir = mkdtempSync(join(tmpdir(), 'lead-router-example-stacks-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

const ref = (stack: LeadRouterStack, id: string) => ({ Ref: logicalIdOf(stack, id) });
const arnOf = (stack: LeadRouterStack, id: string) => ({ 'Fn::GetAtt': [logicalIdOf(stack, id), 'Arn'] });

describe('given the deployments shipped in infra/stacks', () => {
  it('then there are the two examples, a single company and a franchise in two AWS regions, besides the local demo', () => {
    expect(configNames()).toEqual(expect.arrayContaining(['demo', 'northwind-heating', 'sunridge-solar-eu', 'sunridge-solar-us']));
    const franchise = ['sunridge-solar-eu', 'sunridge-solar-us'].map((name) => byName.get(name)!.config);
    expect(new Set(franchise.map((config) => config.region)).size).toBe(2);
    for (const config of franchise) {
      const franchisees = config.routing.teams.filter((team) => team.kind === 'franchisee');
      expect(franchisees.length, config.name).toBeGreaterThanOrEqual(2);
      for (const team of franchisees) expect(team.territory, `${config.name} ${team.id}`).toBeDefined();
    }
    expect(byName.get('northwind-heating')!.config.routing.teams.every((team) => team.kind === 'team')).toBe(true);
  });

  it('then the example franchise at scale (1,000 franchisees × 100 ZIP codes) synthesizes to a template no larger than a plain company\'s: its territories load into the table', () => {
    const templateBytes = (name: string) => JSON.stringify(assembly.getStackByName(stackId(byName.get(name)!.config)).template).length;
    const { config } = byName.get('franchise-at-scale')!;
    const csvBytes = statSync(join(repoRoot, 'infra', 'stacks', config.routing.territoriesFile!)).size;
    const [scale, plain] = [templateBytes('franchise-at-scale'), templateBytes('northwind-heating')];
    console.log(`franchise-at-scale: template ${scale} bytes (northwind-heating ${plain}), territories file ${csvBytes} bytes`);
    expect(csvBytes).toBeGreaterThan(1_000_000);
    expect(scale).toBeLessThan(plain * 1.1);
  });

  it('then a deploy of the example franchise loads its territories file through the admin imports function (a custom resource holding the file\'s hash), and the stacks without one have none', () => {
    const { stack, template, config } = byName.get('franchise-at-scale')!;
    const csv = readFileSync(join(repoRoot, 'infra', 'stacks', config.routing.territoriesFile!));
    template.hasResourceProperties('Custom::FranchiseTerritories', {
      ServiceToken: arnOf(stack, 'AdminImportsFunction'),
      File: 'franchise-at-scale.csv',
      Sha256: createHash('sha256').update(csv).digest('hex'),
    });
    for (const name of ['demo', 'northwind-heating', 'sunridge-solar-us']) byName.get(name)!.template.resourceCountIs('Custom::FranchiseTerritories', 0);
  });

  it('when synthesized, then each is its own stack in its own region and account-agnostic unless the config names an account', () => {
    expect(assembly.stacks.map((artifact) => artifact.stackName).sort()).toEqual(configs.map(stackId).sort());
    for (const { stack, config } of byName.values()) expect(stack.region, config.name).toBe(config.region);
  });

  it('when the AWS Solutions checks (cdk-nag) run over the app, then there is no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);

    expect(report.violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('when a stack gains a secret nobody reasoned about, then the same checks report it (the check is live)', () => {
    const { app: other, stacks: [stack] } = buildApp({ configs: [byName.get('northwind-heating')!.config], bundle: false, context: cdkJsonContext() });
    new Secret(stack as Stack, 'Unreviewed');

    const report = new AwsSolutionsChecks(other).validateScope(other);

    expect(report.success).toBe(false);
    const smg4 = report.violations.find((violation) => violation.ruleName === 'AwsSolutions-SMG4');
    expect(smg4?.violatingResources.map((r) => r.constructPath)).toEqual([`${stack!.stackName}/Unreviewed/Resource`]);
  });
});

for (const name of ['demo', 'northwind-heating', 'sunridge-solar-eu', 'sunridge-solar-us']) {
  describe(`given the ${name} deployment`, () => {
    const { stack, config, template } = byName.get(name)!;

    it('then the leads table is retained on stack deletion, encrypted and recoverable to a point in time', () => {
      const [table] = Object.values(template.findResources('AWS::DynamoDB::GlobalTable'));
      expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(table!.Properties).toMatchObject({
        SSESpecification: { SSEEnabled: true },
        Replicas: [expect.objectContaining({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      });
    });

    it('then every queue is encrypted at rest and refuses requests that are not over TLS', () => {
      const queues = template.findResources('AWS::SQS::Queue');
      expect(Object.keys(queues).sort()).toEqual(['EffectsDlq', 'FeedbackDlq', 'PlatformFetchDlq', 'PlatformFetchQueue', 'RoutingDlq', 'RoutingQueue'].map((id) => logicalIdOf(stack, id)).sort());
      for (const [id, queue] of Object.entries(queues)) expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
      for (const id of Object.keys(queues)) {
        const policy = policies.find((candidate) => JSON.stringify(candidate.Properties.Queues) === JSON.stringify([{ Ref: id }]));
        expect(policy?.Properties.PolicyDocument.Statement, id).toEqual(
          expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        );
      }
    });

    it('then the link-signing, session, admin and source keys are generated into Secrets Manager, never written in the template', () => {
      for (const id of ['LinkSigningKey', 'SessionKey', 'AdminApiKey', 'SourceSigningKey']) {
        const secret = template.findResources('AWS::SecretsManager::Secret')[logicalIdOf(stack, id)];
        expect(secret?.Properties.GenerateSecretString, id).toMatchObject({ ExcludePunctuation: true });
        expect(secret?.Properties.SecretString, id).toBeUndefined();
      }
    });

    it('then no resource carries a hard-coded physical name (a literal string), so two regions or a redeploy never collide', () => {
      const nameProperties = ['TableName', 'QueueName', 'FunctionName', 'TopicName', 'StateMachineName', 'RoleName', 'LogGroupName', 'Name', 'DashboardName', 'AlarmName'];
      for (const [id, resource] of Object.entries(template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>)) {
        if (resource.Type === 'AWS::ApiGatewayV2::Api') continue; // Name is required; CDK derives it from the construct path
        for (const property of nameProperties) expect(typeof resource.Properties?.[property], `${id}.${property}`).not.toBe('string');
      }
    });

    it('then the API stage is throttled as configured and writes access logs by route key (never the path, which holds link tokens)', () => {
      const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
      expect(stage!.Properties).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: config.api.ratePerSecond, ThrottlingBurstLimit: config.api.burst },
        AccessLogSettings: { DestinationArn: arnOf(stack, 'ApiAccessLogs') },
      });
      const format = JSON.parse(stage!.Properties.AccessLogSettings.Format as string) as Record<string, string>;
      expect(format).toMatchObject({ route: '$context.routeKey', status: '$context.status', requestId: '$context.requestId' });
      expect(Object.values(format)).not.toContain('$context.path');
    });

    it('then every email goes through a configuration set that requires TLS, tracks reputation and publishes bounces and complaints to the feedback function', () => {
      template.hasResourceProperties('AWS::SES::ConfigurationSet', {
        DeliveryOptions: { TlsPolicy: 'REQUIRE' },
        ReputationOptions: { ReputationMetricsEnabled: true },
      });
      template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
        ConfigurationSetName: ref(stack, 'Mail'),
        EventDestination: { Enabled: true, MatchingEventTypes: ['bounce', 'complaint'], SnsDestination: { TopicARN: ref(stack, 'EmailFeedbackTopic') } },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        TopicArn: ref(stack, 'EmailFeedbackTopic'),
        Endpoint: arnOf(stack, 'FeedbackFunction'),
      });
      const feedback = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack, 'FeedbackFunction')];
      expect(feedback?.Properties.DeadLetterConfig).toEqual({ TargetArn: arnOf(stack, 'FeedbackDlq') });
    });

    it('then both topics are encrypted with a rotated key that CloudWatch and SES may use for this account and its own sources, and enforce TLS', () => {
      const forThisStack = Match.objectLike({ StringEquals: { 'aws:SourceAccount': Match.anyValue() }, ArnLike: { 'aws:SourceArn': Match.anyValue() } });
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith(
            ['cloudwatch.amazonaws.com', 'ses.amazonaws.com'].map((service) =>
              Match.objectLike({ Principal: { Service: service }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: forThisStack }),
            ),
          ),
        },
      });
      for (const id of ['AlarmTopic', 'EmailFeedbackTopic']) {
        const topic = template.findResources('AWS::SNS::Topic')[logicalIdOf(stack, id)];
        expect(topic?.Properties.KmsMasterKeyId, id).toEqual(arnOf(stack, 'NotificationKey'));
      }
      const topicPolicies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
      expect(topicPolicies).toHaveLength(2);
      for (const policy of topicPolicies) {
        expect(policy.Properties.PolicyDocument.Statement).toEqual(
          expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        );
      }
    });

    it('then the alarms exist with their thresholds, and each emails the admin through the alarm topic when it fires and when it clears', () => {
      const alarms = template.findResources('AWS::CloudWatch::Alarm');
      const alarm = (alarmId: string) => {
        const found = Object.entries(alarms).find(([id]) => id.startsWith(`Monitoring${alarmId}`));
        expect(found, alarmId).toBeDefined();
        return found![1].Properties as Record<string, any>;
      };
      const functionAlarms = ['Ingest', 'Route', 'Actions', 'Escalate', 'Portal', 'Admin', 'AdminImports', 'AdminSimulate', 'Feedback', 'Effects', 'Sweeper', 'Leadgen'].map(AlarmIds.functionErrors);
      const all = [AlarmIds.deadLetters, AlarmIds.routingBacklog, AlarmIds.slaBreachRate, AlarmIds.bounceRate, AlarmIds.timerFailures, ...functionAlarms];
      expect(Object.keys(alarms)).toHaveLength(all.length);
      for (const alarmId of all) {
        expect(alarm(alarmId).AlarmActions, alarmId).toEqual([ref(stack, 'AlarmTopic')]);
        expect(alarm(alarmId).OKActions, alarmId).toEqual([ref(stack, 'AlarmTopic')]);
        expect(alarm(alarmId).AlarmDescription, alarmId).toMatch(/README "Runbook: /);
      }

      expect(alarm(AlarmIds.deadLetters)).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      const deadLetterQueues = (alarm(AlarmIds.deadLetters).Metrics as { MetricStat?: { Metric: { Dimensions: { Value: unknown }[] } } }[])
        .flatMap((metric) => metric.MetricStat?.Metric.Dimensions.map((dimension) => dimension.Value) ?? []);
      expect(deadLetterQueues).toEqual(
        expect.arrayContaining(['RoutingDlq', 'FeedbackDlq'].map((id) => ({ 'Fn::GetAtt': [logicalIdOf(stack, id), 'QueueName'] }))),
      );
      expect(alarm(AlarmIds.routingBacklog)).toMatchObject({
        MetricName: 'ApproximateAgeOfOldestMessage',
        Namespace: 'AWS/SQS',
        Threshold: config.alarms.oldestMessageAgeSeconds,
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack, 'RoutingQueue'), 'QueueName'] } }],
      });
      expect(alarm(AlarmIds.bounceRate)).toMatchObject({
        Namespace: 'AWS/SES',
        MetricName: 'Reputation.BounceRate',
        Threshold: config.alarms.bounceRatePercent / 100,
        Dimensions: [{ Name: 'ses:configuration-set', Value: ref(stack, 'Mail') }],
      });

      const breachRate = alarm(AlarmIds.slaBreachRate);
      expect(breachRate.Threshold).toBe(config.alarms.slaBreachRatePercent);
      const metrics = breachRate.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: Record<string, unknown> } }[];
      expect(metrics.find((metric) => metric.Expression)?.Expression).toBe('IF(received > 0, 100 * FILL(breaches, 0) / received)');
      for (const [id, metricName] of [['breaches', LeadMetric.slaBreaches], ['received', LeadMetric.received]] as const) {
        expect(metrics.find((metric) => metric.Id === id)?.MetricStat?.Metric, id).toEqual({
          Namespace: 'LeadRouter',
          MetricName: metricName,
          Dimensions: [
            { Name: 'service', Value: 'lead-router' },
            { Name: 'stack', Value: config.name },
          ],
        });
      }
    });

    it('then a dashboard shows the lead funnel, the timings, the SLA breaches, the queues and the alarms', () => {
      const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
      const body = JSON.stringify(dashboard!.Properties.DashboardBody);
      for (const metric of Object.values(LeadMetric).filter((metric) => metric !== LeadMetric.joined)) expect(body, metric).toContain(metric);
      expect(body).toContain('ApproximateAgeOfOldestMessage');
      expect(body).toContain('alarm');
      expect(body).toContain(`Lead router: ${config.name}`);
    });

    it('then the functions know which stack their metrics belong to', () => {
      for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
        expect(fn.Properties.Environment.Variables, id).toMatchObject({
          LEAD_ROUTER_STACK: config.name,
          POWERTOOLS_SERVICE_NAME: 'lead-router',
          POWERTOOLS_METRICS_NAMESPACE: 'LeadRouter',
        });
      }
    });

    if (config.alarmEmail) {
      it('then the alarm email from the config is subscribed to the alarm topic', () => {
        template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: config.alarmEmail, TopicArn: ref(stack, 'AlarmTopic') });
      });
    }
  });
}

describe('given "npm run synth" (the cdk CLI, with bundling)', () => {
  // The only test that runs esbuild: every function of every deployment, as shipped.
  it('when it runs over infra/stacks, then it succeeds and every function of every deployment is an esbuild bundle with its source map (and the portal its stylesheet, and each reader its config files) staged in the cloud assembly', async () => {
    const outdir = join(tempDir, 'synth');
    const stylesheet = readFileSync(new URL('../../shared/views/portal/portal.css', import.meta.url), 'utf8');
    const phoneMetadata = readFileSync(packagedPhoneMetadata(), 'utf8');

    await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '-o', outdir], { cwd: repoRoot });

    for (const config of configs) {
      const template = JSON.parse(readFileSync(join(outdir, `${stackId(config)}.template.json`), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string }; Handler?: string; Environment?: { Variables: Record<string, unknown> } } }>;
      };
      const types = Object.values(template.Resources).map((resource) => resource.Type);
      const functions = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');
      expect(functions, config.name).toHaveLength(12);
      // Each function its own bundle: one asset shared by all would run one handler everywhere.
      expect(new Set(functions.map(([, fn]) => fn.Properties.Code?.S3Key)).size, `${config.name}: distinct bundles`).toBe(functions.length);
      const stylesheetReaders: string[] = [];
      const phoneReaders: string[] = [];
      for (const [id, fn] of functions) {
        const where = `${config.name} ${id}`;
        const { Code: code, Handler: handler } = fn.Properties;
        expect(code!.S3Key, where).toMatch(/^[0-9a-f]{64}\.zip$/);
        expect(handler, where).toBe('index.handler');
        const staged = join(outdir, `asset.${code!.S3Key!.replace(/\.zip$/, '')}`);
        expect(statSync(join(staged, 'index.mjs')).size, where).toBeGreaterThan(0);
        expect(existsSync(join(staged, 'index.mjs.map')), `${where} source map`).toBe(true);
        // The config rides in the bundle, however large: the environment (4 KB at most) only names it.
        const variables = fn.Properties.Environment!.Variables;
        expect(JSON.stringify(variables).length, `${where} environment`).toBeLessThan(4096);
        for (const [name, file] of Object.entries(ConfigFiles)) {
          if (variables[name] === undefined) continue;
          expect(variables[name], `${where} ${name}`).toBe(`file:${file}`);
          const schema = name === 'STACK_CONFIG' ? RoutingSettingsSchema : IntakeSchema;
          const expected = name === 'STACK_CONFIG' ? routingSettings(config) : config.intake;
          expect(schema.parse(decodeConfigVariable(`file:${file}`, staged)), `${where} ${file}`).toEqual(expected);
        }
        // The phone metadata sits beside every bundle whose code reads it, and beside no other.
        const bundled = readFileSync(join(staged, 'index.mjs'), 'utf8');
        const readsPhoneMetadata = bundled.includes('new URL("./metadata.min.json",import.meta.url)');
        if (readsPhoneMetadata) phoneReaders.push(id);
        expect(existsSync(join(staged, 'metadata.min.json')), `${where} phone metadata`).toBe(readsPhoneMetadata);
        if (readsPhoneMetadata) expect(readFileSync(join(staged, 'metadata.min.json'), 'utf8'), where).toBe(phoneMetadata);
        // One module is the bundle: a stylesheet read by a relative URL must sit beside index.mjs.
        if (!bundled.includes('new URL("./portal.css",import.meta.url)')) continue;
        stylesheetReaders.push(id);
        expect(readFileSync(join(staged, 'portal.css'), 'utf8'), where).toBe(stylesheet);
      }
      expect(stylesheetReaders, config.name).toEqual([expect.stringMatching(/^PortalFunction/)]);
      // Every function that parses or shows a phone number; the effects relay, the admin's day-to-day
      // function and its imports do neither (the simulator parses leads, and has it).
      expect(phoneReaders, config.name).toHaveLength(9);
      for (const none of ['EffectsFunction', 'AdminFunction', 'AdminImportsFunction']) expect(phoneReaders.some((id) => id.startsWith(none)), `${config.name} ${none}`).toBe(false);
      expect(types, config.name).toEqual(expect.arrayContaining(['AWS::CloudWatch::Dashboard', 'AWS::CloudWatch::Alarm', 'AWS::SES::ConfigurationSet']));
    }
  }, 300_000);
});

describe('given an invalid config in the directory synth reads', () => {
  it('when "cdk synth" runs, then it fails with the file, the path and the reason, and no stack trace', async () => {
    const dir = join(tempDir, 'invalid');
    const raw = JSON.parse(readFileSync(`${repoRoot}infra/stacks/northwind-heating.json`, 'utf8')) as Record<string, any>;
    raw.name = 'acme-west';
    raw.region = 'Frankfurt';
    raw.alarmEmail = 'ops at acme';
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'acme-west.json');
    writeFileSync(file, JSON.stringify(raw, null, 2));

    const result = await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '-c', `stacksDir=${dir}`, '-o', join(tempDir, 'out')], { cwd: repoRoot }).then(
      () => ({ failed: false, stderr: '' }),
      (error: { stderr: string }) => ({ failed: true, stderr: error.stderr }),
    );

    expect(result.failed).toBe(true);
    expect(result.stderr).toContain(`${file}: region: an AWS region such as eu-west-1`);
    expect(result.stderr).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}: alarmEmail: .*email`, 'i'));
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 120_000);

  it('when a file is named differently from the deployment it holds, then loading fails saying so', () => {
    const dir = join(tempDir, 'misnamed');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'acme-east.json'), readFileSync(`${repoRoot}infra/stacks/northwind-heating.json`, 'utf8'));

    expect(() => loadStackConfigs(dir)).toThrow(`${join(dir, 'acme-east.json')}: name: "northwind-heating" must match the file name (acme-east)`);
  });
});

describe('given "npm run deploy -- <name>"', () => {
  it('when the name is a shipped deployment, then only its stack is built and deployed, asking before IAM widens', () => {
    expect(deployCommand('sunridge-solar-eu', ['--profile', 'franchise-eu'])).toEqual([
      'cdk',
      'deploy',
      'LeadRouter-sunridge-solar-eu',
      '-c',
      'stack=sunridge-solar-eu',
      '--require-approval',
      'broadening',
      '--profile',
      'franchise-eu',
    ]);
  });

  it('when the name is not a file of infra/stacks, then it fails listing the names there', () => {
    expect(() => deployCommand('sunridge-solar-ap', [])).toThrow(/No stack config named "sunridge-solar-ap".*\n.*sunridge-solar-eu, sunridge-solar-us/s);
  });

  it('when the app is built for one deployment, then it holds only that stack', () => {
    const { stacks: only } = buildApp({ bundle: false, context: { ...cdkJsonContext(), stack: 'sunridge-solar-us' } });
    expect(only.map((stack) => stack.stackName)).toEqual(['LeadRouter-sunridge-solar-us']);
  });
});

