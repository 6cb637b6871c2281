import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYNTH_CACHE_VARIABLE } from '#infra/local/synth.ts';

/**
 * Global setup of every tier that synthesizes the stack: one folder of synthesized templates
 * for the whole run, so each stack config is synthesized once however many files start it.
 * Test workers inherit the variable. Projects share the folder; the last one out removes it.
 */
let users = 0;

export function setup(): void {
  users += 1;
  process.env[SYNTH_CACHE_VARIABLE] ??= mkdtempSync(join(tmpdir(), 'lead-router-templates-'));
}

export function teardown(): void {
  users -= 1;
  const dir = process.env[SYNTH_CACHE_VARIABLE];
  if (users > 0 || !dir) return;
  rmSync(dir, { recursive: true, force: true });
  delete process.env[SYNTH_CACHE_VARIABLE];
}
