import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYNTH_CACHE_VARIABLE } from '#infra/local/synth.ts';

/**
 * Global setup of every tier that synthesizes the stack: one folder of synthesized templates
 * for the whole run, so each stack config is synthesized once however many files start it.
 * Test workers inherit the variable. vitest loads this once per project: the first creates the
 * folder, the others find it in the environment, and the one that created it removes it.
 */
let created: string | undefined;

export function setup(): void {
  if (process.env[SYNTH_CACHE_VARIABLE]) return;
  created = mkdtempSync(join(tmpdir(), 'lead-router-templates-'));
  process.env[SYNTH_CACHE_VARIABLE] = created;
}

export function teardown(): void {
  if (!created) return;
  rmSync(created, { recursive: true, force: true });
  delete process.env[SYNTH_CACHE_VARIABLE];
}
