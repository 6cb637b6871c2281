import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * One deployment of the lead router: a company, or one franchise region.
 * Validated at synth time and at local start; the routing-relevant part is handed to the
 * functions as `RoutingSettings` (see below), so the deployed code and the config cannot drift.
 */

const Email = z.email();
const Minutes = z.number().positive().max(7 * 24 * 60);

export const TeamSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/, 'lowercase letters, digits and dashes, at most 40'),
  name: z.string().min(1).max(80),
  managerEmail: Email,
});

export const SlaSchema = z.object({
  /** Minutes from receipt within which someone must contact the lead. */
  contactMinutes: Minutes.default(30),
});

export const RoutingSettingsSchema = z.object({
  stackName: z.string(),
  teams: z.array(TeamSchema).min(1),
  defaultTeam: z.string(),
  sla: SlaSchema.prefault({}),
  /** Hours an accept or reject link in an offer email stays valid. */
  linkTtlHours: z.number().positive().max(24 * 30).default(72),
  /** Days a lead is kept before DynamoDB's TTL removes it. */
  retentionDays: z.number().int().positive().max(3650).default(365),
});

export const StackConfigSchema = z
  .object({
    /** Logical name; the CloudFormation stack is called `LeadRouter-<name>`. */
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,60}$/, 'letters, digits and dashes, starting with a letter'),
    account: z.string().regex(/^\d{12}$/).optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1'),
    /** Verified SES identity the offer and escalation emails are sent from. */
    emailFrom: Email,
    teams: z.array(TeamSchema).min(1),
    /** Team that receives leads no rule claims. Defaults to the first team. */
    defaultTeam: z.string().optional(),
    sla: SlaSchema.prefault({}),
    linkTtlHours: z.number().positive().max(24 * 30).default(72),
    /** Days a lead is kept before DynamoDB's TTL removes it. */
    retentionDays: z.number().int().positive().max(3650).default(365),
  })
  .superRefine((config, ctx) => {
    const ids = new Set<string>();
    config.teams.forEach((team, i) => {
      if (ids.has(team.id)) ctx.addIssue({ code: 'custom', path: ['teams', i, 'id'], message: `duplicate team id "${team.id}"` });
      ids.add(team.id);
    });
    if (config.defaultTeam !== undefined && !ids.has(config.defaultTeam)) {
      ctx.addIssue({ code: 'custom', path: ['defaultTeam'], message: `no team with id "${config.defaultTeam}"` });
    }
  });

export type StackConfig = z.infer<typeof StackConfigSchema>;
export type RoutingSettings = z.infer<typeof RoutingSettingsSchema>;
export type Team = z.infer<typeof TeamSchema>;

export class StackConfigError extends Error {
  override name = 'StackConfigError';
}

/** Formats zod issues as `file: path: message` lines a franchise admin can act on. */
export function describeIssues(source: string, error: z.ZodError): string {
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
    teams: config.teams,
    defaultTeam: config.defaultTeam ?? config.teams[0]!.id,
    sla: config.sla,
    linkTtlHours: config.linkTtlHours,
    retentionDays: config.retentionDays,
  };
}
