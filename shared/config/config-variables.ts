import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from '../zod.ts';
import type { Intake } from '../ingest/source-config.ts';
import { RoutingConfigSchema } from '../routing/config-schema.ts';

/**
 * The runtime part of a stack config as the functions get it: the routing settings and the
 * intake config, each a variable of their environment. Apart from the stack config's own schema
 * (stack-config.ts, for synth and the local start), so a function's bundle carries the schemas
 * of what it reads and not those of the whole config file.
 */

/** The slice of a stack config the functions need at run time (`routingSettings` of stack-config.ts). */
export const RoutingSettingsSchema = z.object({
  stackName: z.string(),
  /** Hours an accept or reject link in an offer email stays valid. */
  linkTtlHours: z._default(z.number().check(z.positive(), z.maximum(24 * 30)), 72),
  /** Days a lead is kept before DynamoDB's TTL removes it. */
  retentionDays: z._default(z.number().check(z.int(), z.positive(), z.maximum(3650)), 365),
  routing: RoutingConfigSchema,
});

export type RoutingSettings = z.infer<typeof RoutingSettingsSchema>;

/**
 * How the runtime part of a config reaches the functions. Deployed (the stack is bundled), it is
 * a file in each function's bundle, named by the variable as `file:<name>`: part of the code
 * asset, so it has no size limit (Lambda's environment holds 4 KB in all), it changes only with
 * a deploy, and CloudFormation keeps each version with the function's code. The local runtime,
 * which runs the sources and has no such limit, gets the JSON itself in the variable.
 */
export const CONFIG_FILE_PREFIX = 'file:';

/** The bundle's file names for the routing settings and the intake config. */
export const ConfigFiles = { STACK_CONFIG: 'routing-settings.json', INTAKE_CONFIG: 'intake.json' } as const;

export function encodeRoutingSettings(settings: RoutingSettings): string {
  return JSON.stringify(settings);
}

export function encodeIntake(intake: Intake): string {
  return JSON.stringify(intake);
}

/**
 * A config variable's value: its JSON, or `file:<name>` for a file in the function's code
 * directory (`LAMBDA_TASK_ROOT`, where Lambda unpacks the bundle).
 */
export function decodeConfigVariable(value: string, codeDir = process.env.LAMBDA_TASK_ROOT): unknown {
  if (!value.startsWith(CONFIG_FILE_PREFIX)) return JSON.parse(value);
  const name = value.slice(CONFIG_FILE_PREFIX.length);
  if (!/^[\w.-]+$/.test(name)) throw new Error(`"${name}" is not a file name of the bundle`);
  if (!codeDir) throw new Error(`${name} is a file of the function's bundle, and LAMBDA_TASK_ROOT (where the bundle is) is not set`);
  return JSON.parse(readFileSync(join(codeDir, name), 'utf8'));
}
