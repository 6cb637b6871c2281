import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadStackConfig, type StackConfig } from '#shared/config/stack-config.ts';
import type { MetadataEntry, StackTemplate, SynthesizedStack } from './template.ts';

export const DEFAULT_CONFIG_FILE = 'infra/stacks/demo.json';

/**
 * A folder of templates already synthesized in this test run, one file per stack config. The
 * test setup creates it for the run and removes it after, so every file that starts a stack
 * from the same config reads one synthesis instead of repeating it (and skips loading the CDK).
 */
export const SYNTH_CACHE_VARIABLE = 'LEAD_ROUTER_SYNTH_CACHE';

/**
 * Synthesizes one stack in-process without bundling (a few seconds, no esbuild) and returns
 * its template with the construct metadata the local runtime reads function entries from.
 */
export async function synthesizeStack(config: string | StackConfig = DEFAULT_CONFIG_FILE): Promise<SynthesizedStack> {
  const stackConfig = typeof config === 'string' ? loadStackConfig(config) : config;
  // The files a config names sit next to it (a config given as an object names none of its own).
  const configDir = typeof config === 'string' ? dirname(resolve(config)) : undefined;
  const cacheDir = process.env[SYNTH_CACHE_VARIABLE];
  if (!cacheDir) return synthesizeNow(stackConfig, configDir);
  const key = createHash('sha256').update(JSON.stringify(stackConfig));
  const territories = stackConfig.routing.territoriesFile;
  // The template carries the territories file's hash: a changed file is another template.
  if (territories !== undefined && configDir !== undefined) key.update(readFileSync(join(configDir, territories)));
  const cached = join(cacheDir, `${key.digest('hex').slice(0, 32)}.json`);
  try {
    return JSON.parse(readFileSync(cached, 'utf8')) as SynthesizedStack;
  } catch {
    const stack = await synthesizeNow(stackConfig, configDir);
    // Written whole, then renamed: a file synthesizing the same config at once reads either
    // nothing (and synthesizes too) or a complete template, never half of one.
    const partial = `${cached}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(stack));
    renameSync(partial, cached);
    return stack;
  }
}

async function synthesizeNow(stackConfig: StackConfig, configDir: string | undefined): Promise<SynthesizedStack> {
  // Loaded on demand: the CDK is the heaviest import of the local runtime.
  const { buildApp, stackId } = await import('#infra/app.ts');
  // A throwaway outdir: the default would leave one cloud assembly per start in the temp dir.
  const outdir = mkdtempSync(join(tmpdir(), 'lead-router-synth-'));
  try {
    const { app } = buildApp({ configs: [stackConfig], bundle: false, outdir, ...(configDir ? { configDir } : {}) });
    const artifact = app.synth().getStackByName(stackId(stackConfig));
    const template: StackTemplate = artifact.template;
    const metadata: Record<string, MetadataEntry[]> = artifact.manifest.metadata ?? {};
    return { stackName: artifact.stackName, region: stackConfig.region, template, metadata };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
