import type { z } from 'zod';
import { IntakeSchema, type Intake } from '../ingest/source-config.ts';
import { RoutingSettingsSchema, decodeRoutingSettings, describeIssues, type RoutingSettings } from './stack-config.ts';

/**
 * Configuration read once, at cold start. A missing or malformed variable fails the function
 * at load time with a message naming it, instead of failing the first lead.
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Missing environment variable ${name}`);
  return value;
}

/** A config variable written by `encodeForEnvironment` at synth, decoded and validated. */
function loadEncoded<T>(name: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = decodeRoutingSettings(requireEnv(name));
  } catch (error) {
    throw new Error(`${name} is not readable: ${(error as Error).message}`, { cause: error });
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new Error(`Invalid ${name}\n${describeIssues(name, result.error)}`);
  return result.data;
}

export const loadRoutingSettings = (): RoutingSettings => loadEncoded('STACK_CONFIG', RoutingSettingsSchema);

/** The lead sources and intake rules, from `INTAKE_CONFIG` (ingest and admin only). */
export const loadIntake = (): Intake => loadEncoded('INTAKE_CONFIG', IntakeSchema);

/**
 * `TIME_SCALE=N` makes every configured duration N times shorter (demos and tests): the same
 * state machine and code paths run, only the waits shrink.
 */
export function timeScale(): number {
  const raw = process.env.TIME_SCALE;
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`TIME_SCALE must be a positive number, got "${raw}"`);
  return scale;
}

export function minutesToMs(minutes: number, scale = timeScale()): number {
  return Math.round((minutes * 60_000) / scale);
}
