import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '#infra/function-code.ts';
import { BUNDLES_VARIABLE, bundleEntries } from '#infra/local/function-bundles.ts';
import { SYNTH_CACHE_VARIABLE } from '#infra/local/synth.ts';

/**
 * Global setup of every tier that synthesizes the stack or starts one:
 * - one folder of synthesized templates for the whole run, so each stack config is synthesized
 *   once however many files start it;
 * - one folder of function bundles, every function bundled once before any file starts, so
 *   stacks starting together do not each bundle the same code.
 * Test workers inherit the variables. vitest loads this once per project: the first creates the
 * folders, the others find them in the environment, and the one that created them removes them.
 */
let created: string[] | undefined;

export async function setup(): Promise<void> {
  if (process.env[SYNTH_CACHE_VARIABLE]) return;
  const templates = mkdtempSync(join(tmpdir(), 'lead-router-templates-'));
  const bundles = mkdtempSync(join(tmpdir(), 'lead-router-bundles-'));
  created = [templates, bundles];
  process.env[SYNTH_CACHE_VARIABLE] = templates;
  process.env[BUNDLES_VARIABLE] = bundles;
  const entries = readdirSync(join(repoRoot, 'functions')).map((name) => `functions/${name}/handler.ts`);
  await bundleEntries(entries, { repoRoot, root: bundles });
}

export function teardown(): void {
  if (!created) return;
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
  delete process.env[SYNTH_CACHE_VARIABLE];
  delete process.env[BUNDLES_VARIABLE];
}
