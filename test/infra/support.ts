import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadStackConfig, parseStackConfig, type StackConfig } from '#shared/config/stack-config.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The shipped demo deployment, the config every template assertion runs against. */
export function demoConfig(): StackConfig {
  return loadStackConfig(`${repoRoot}infra/stacks/demo.json`);
}

/** A franchise region in a second AWS region; written here so the test owns its shape. */
export function franchiseConfig(): StackConfig {
  return parseStackConfig('test/infra/franchise-us-east.json', {
    name: 'franchise-us-east',
    region: 'us-east-1',
    emailFrom: 'leads@franchise.example.com',
    routing: {
      teams: [
        { id: 'residential', name: 'Residential', managerEmail: 'residential.lead@franchise.example.com' },
        { id: 'commercial', name: 'Commercial', managerEmail: 'commercial.lead@franchise.example.com' },
      ],
      defaultTeam: 'commercial',
      tiers: { hot: { acceptMinutes: 5, contactMinutes: 15 } },
    },
  });
}

/**
 * The feature flags in cdk.json. The CLI hands them to the app; a test that builds the app
 * directly must pass them too, or it asserts on a template `cdk synth` never produces
 * (e.g. without `minimizePolicies` the IAM statements are shaped differently).
 */
export function cdkJsonContext(): Record<string, unknown> {
  const parsed: unknown = JSON.parse(readFileSync(`${repoRoot}cdk.json`, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || !('context' in parsed)) throw new Error('cdk.json has no context');
  return parsed.context as Record<string, unknown>;
}

/** Logical id of the CloudFormation resource behind a construct id directly under the stack. */
export function logicalIdOf(stack: Stack, constructId: string): string {
  const child = stack.node.findChild(constructId);
  const resource = (child.node.defaultChild ?? child) as CfnElement;
  return stack.getLogicalId(resource);
}

export interface PolicyStatementJson {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export function actionsOf(statement: PolicyStatementJson): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: PolicyStatementJson): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** Every statement of every AWS::IAM::Policy attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as PolicyStatementJson[]);
}

/** Logical id of the execution role of the function with this logical id. */
export function roleOfFunction(template: Template, functionLogicalId: string): string {
  const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId];
  const roleArn = fn?.Properties.Role as { 'Fn::GetAtt': [string, string] } | undefined;
  if (!roleArn) throw new Error(`no function ${functionLogicalId}`);
  return roleArn['Fn::GetAtt'][0];
}

/**
 * A `DefinitionString` is an `Fn::Join` of JSON fragments and tokens; replace each `Fn::GetAtt`
 * with `<logicalId>.<attribute>` so the definition can be parsed and inspected.
 */
export function parseDefinition(definitionString: unknown): { StartAt: string; States: Record<string, Record<string, unknown>> } {
  if (typeof definitionString === 'string') return JSON.parse(definitionString);
  const join = (definitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt) return `${getAtt[0]}.${getAtt[1]}`;
      const ref = (part as { Ref?: string }).Ref;
      if (ref) return ref;
      throw new Error(`unexpected token in definition: ${JSON.stringify(part)}`);
    })
    .join(join[0]);
  return JSON.parse(text);
}

/**
 * A template value as text, tokens in braces by the construct ids given (directly under the
 * stack): `{Leads.Arn}/index/gsi1`, `arn:aws:ses:eu-west-1:{AWS::AccountId}:identity/…`.
 */
export function tokenText(stack: Stack, constructIds: readonly string[]): (value: unknown) => string {
  const constructIdOf = new Map(constructIds.map((id) => [logicalIdOf(stack, id), id]));
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const token = value as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };
    if (token.Ref) return `{${constructIdOf.get(token.Ref) ?? token.Ref}}`;
    if (token['Fn::GetAtt']) return `{${constructIdOf.get(token['Fn::GetAtt'][0]) ?? token['Fn::GetAtt'][0]}.${token['Fn::GetAtt'][1]}}`;
    if (token['Fn::Join']) return token['Fn::Join'][1].map(render).join(token['Fn::Join'][0]);
    throw new Error(`unexpected token ${JSON.stringify(value)}`);
  };
  return render;
}

/** The construct ids of the stack's twelve functions. */
export const functionIds = [
  'IngestFunction',
  'RouteFunction',
  'ActionsFunction',
  'EscalateFunction',
  'PortalFunction',
  'AdminFunction',
  'AdminImportsFunction',
  'AdminSimulateFunction',
  'FeedbackFunction',
  'EffectsFunction',
  'SweeperFunction',
  'LeadgenFunction',
] as const;
export type FunctionId = (typeof functionIds)[number];
