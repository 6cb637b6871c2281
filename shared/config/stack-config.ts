import { readFileSync } from 'node:fs';
import * as z from '../zod.ts';
import { IntakeSchema, type Intake } from '../ingest/source-config.ts';
import { RoutingConfigSchema, type RoutingConfig } from '../routing/config-schema.ts';
import type { RoutingSettings } from './config-variables.ts';

export {
  CONFIG_FILE_PREFIX,
  ConfigFiles,
  decodeConfigVariable,
  encodeIntake,
  encodeRoutingSettings,
  RoutingSettingsSchema,
  type RoutingSettings,
} from './config-variables.ts';

/**
 * One deployment of the lead router: a company, or one franchise region. Deployment settings
 * sit at the top; `routing` holds teams, rules, scoring and SLAs. Validated at synth time and at
 * local start; the functions get the runtime part as `RoutingSettings`, so the deployed code and
 * the config cannot drift.
 */

const Email = z.email();

/** Stage-wide limits of the HTTP API, so a flood of posts cannot run up the bill or starve routing. */
export const ApiSchema = z.strictObject({
  /** Steady requests per second across all routes. */
  ratePerSecond: z._default(z.number().check(z.int(), z.positive(), z.maximum(10_000)), 50),
  /** Requests allowed in a burst above the steady rate. */
  burst: z._default(z.number().check(z.int(), z.positive(), z.maximum(5_000)), 100),
});

/** Thresholds of the alarms that email `alarmEmail`. */
export const AlarmsSchema = z.strictObject({
  /** A routing message older than this means leads are waiting for an offer. */
  oldestMessageAgeSeconds: z._default(z.number().check(z.int(), z.minimum(60), z.maximum(86_400)), 300),
  /** Share of received leads that passed their contact deadline uncontacted, per hour. */
  slaBreachRatePercent: z._default(z.number().check(z.positive(), z.maximum(100)), 10),
  /** SES reputation bounce rate; AWS reviews an account at 5% and may pause sending at 10%. */
  bounceRatePercent: z._default(z.number().check(z.positive(), z.maximum(100)), 4),
});

export const StackConfigSchema = z.strictObject({
  /** Logical name; the CloudFormation stack is called `LeadRouter-<name>`. */
  name: z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9-]{0,60}$/, 'letters, digits and dashes, starting with a letter')),
  account: z.optional(z.string().check(z.regex(/^\d{12}$/, 'a 12-digit AWS account id'))),
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')),
  /** Verified SES identity the offer and escalation emails are sent from. */
  emailFrom: Email,
  linkTtlHours: z._default(z.number().check(z.positive(), z.maximum(24 * 30)), 72),
  retentionDays: z._default(z.number().check(z.int(), z.positive(), z.maximum(3650)), 365),
  routing: RoutingConfigSchema,
  /** Lead sources (webhooks), duplicate detection and idempotency. */
  intake: z.prefault(IntakeSchema, {}),
  /** Who the alarms email (through SNS; the address confirms the subscription once). */
  alarmEmail: z.optional(Email),
  alarms: z.prefault(AlarmsSchema, {}),
  api: z.prefault(ApiSchema, {}),
});

export type StackConfig = z.infer<typeof StackConfigSchema>;
export type { Intake, RoutingConfig };

export class StackConfigError extends Error {
  override name = 'StackConfigError';
}

/** Formats zod issues as `file: path: message` lines a franchise admin can act on. */
export function describeIssues(source: string, error: z.core.$ZodError): string {
  return error.issues
    .map((issue) => `${source}: ${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('\n');
}

export function parseStackConfig(source: string, raw: unknown): StackConfig {
  const result = StackConfigSchema.safeParse(raw);
  if (!result.success) throw new StackConfigError(`Invalid stack config\n${describeIssues(source, result.error)}`);
  return result.data;
}

export function loadStackConfig(file: string): StackConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new StackConfigError(`${file}: cannot read JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseStackConfig(file, raw);
}

/** The slice of a stack config the functions need at run time. */
export function routingSettings(config: StackConfig): RoutingSettings {
  return {
    stackName: config.name,
    linkTtlHours: config.linkTtlHours,
    retentionDays: config.retentionDays,
    routing: config.routing,
  };
}
