import { readEnvironment, type Environment, type VariableName } from './environment.ts';
import type { Intake, RoutingSettings } from './stack-config.ts';

/**
 * Single variables, read through the environment schema (shared/config/environment.ts), for
 * code that has no parsed environment of its own at hand. A function's composition root reads
 * its whole environment at once instead (`loadEnvironment`).
 */
export function requireEnv<N extends VariableName>(name: N): NonNullable<Environment[N]> {
  const value = readEnvironment([name])[name];
  if (value === undefined) throw new Error(`Missing environment variable ${name}`);
  return value;
}

export const loadRoutingSettings = (): RoutingSettings => requireEnv('STACK_CONFIG');

/** The lead sources and intake rules, from `INTAKE_CONFIG` (ingest and admin only). */
export const loadIntake = (): Intake => requireEnv('INTAKE_CONFIG');

/**
 * `TIME_SCALE=N` makes every configured duration N times shorter (demos and tests): the same
 * state machine and code paths run, only the waits shrink.
 */
export const timeScale = (): number => requireEnv('TIME_SCALE');

export function minutesToMs(minutes: number, scale = timeScale()): number {
  return Math.round((minutes * 60_000) / scale);
}
