import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import type { LeadRouterStack } from '#infra/lead-router-stack.ts';
import { cdkJsonContext, demoConfig, franchiseConfig, logicalIdOf, tokenText } from './support.ts';

/*
 * The key of the alarm and email feedback topics: CloudWatch and SES may use it to publish to
 * them, but only for this account and only on behalf of this stack's alarms and its
 * configuration set or sender identity (the confused-deputy guard AWS recommends for service
 * principals), so no other account's alarm or SES setup can borrow it.
 */
const { stacks } = buildApp({ configs: [demoConfig(), franchiseConfig()], bundle: false, context: cdkJsonContext() });

interface KeyStatement {
  readonly Effect: string;
  readonly Principal: { readonly Service?: string | string[]; readonly AWS?: unknown };
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

function keyStatements(stack: LeadRouterStack): KeyStatement[] {
  const key = Template.fromStack(stack).findResources('AWS::KMS::Key')[logicalIdOf(stack, 'NotificationKey')];
  if (!key) throw new Error('no NotificationKey');
  return key.Properties.KeyPolicy.Statement as KeyStatement[];
}

/** The statements for a service principal, tokens as text. */
function serviceStatements(stack: LeadRouterStack, service: string): unknown[] {
  const render = tokenText(stack, ['Mail']);
  const text = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(text) : typeof value === 'object' && value !== null && !('Ref' in value) && !('Fn::Join' in value) && !('Fn::GetAtt' in value)
      ? Object.fromEntries(Object.entries(value).map(([key, member]) => [key, text(member)]))
      : render(value);
  return keyStatements(stack)
    .filter((statement) => [statement.Principal.Service].flat().includes(service))
    .map((statement) => text(statement));
}

describe.each([
  ['demo', 'eu-west-1', 'leads@demo.example.com', 'demo.example.com'],
  ['franchise-us-east', 'us-east-1', 'leads@franchise.example.com', 'franchise.example.com'],
] as const)('given the %s stack (%s)', (name, region, emailFrom, domain) => {
  const stack = stacks.find((candidate) => candidate.stackName === `LeadRouter-${name}`)!;

  it('then CloudWatch may use the notification key only for this account, on behalf of its alarms in this region', () => {
    expect(serviceStatements(stack, 'cloudwatch.amazonaws.com')).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '{AWS::AccountId}' },
          ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${region}:{AWS::AccountId}:alarm:*` },
        },
      },
    ]);
  });

  it('then SES may use the notification key only for this account, on behalf of its configuration set or sender identity in this region', () => {
    expect(serviceStatements(stack, 'ses.amazonaws.com')).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '{AWS::AccountId}' },
          ArnLike: {
            'aws:SourceArn': [
              `arn:aws:ses:${region}:{AWS::AccountId}:configuration-set/{Mail}`,
              `arn:aws:ses:${region}:{AWS::AccountId}:identity/${emailFrom}`,
              `arn:aws:ses:${region}:{AWS::AccountId}:identity/${domain}`,
            ],
          },
        },
      },
    ]);
  });

  it('then every other statement of the key policy is the account itself administering it', () => {
    const others = keyStatements(stack).filter((statement) => statement.Principal.Service === undefined);
    expect(others).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'kms:*', Resource: '*', Principal: { AWS: { 'Fn::Join': ['', ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, ':root']] } } }),
    ]);
    expect(others[0]?.Condition).toBeUndefined();
  });
});
