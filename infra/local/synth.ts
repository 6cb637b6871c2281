import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, stackId } from '#infra/app.ts';
import { loadStackConfig, type StackConfig } from '#shared/config/stack-config.ts';
import type { MetadataEntry, StackTemplate, SynthesizedStack } from './template.ts';

export const DEFAULT_CONFIG_FILE = 'infra/stacks/demo.json';

/**
 * Synthesizes one stack in-process without bundling (a few seconds, no esbuild) and returns
 * its template with the construct metadata the local runtime reads function entries from.
 */
export function synthesizeStack(config: string | StackConfig = DEFAULT_CONFIG_FILE): SynthesizedStack {
  const stackConfig = typeof config === 'string' ? loadStackConfig(config) : config;
  // A throwaway outdir: the default would leave one cloud assembly per start in the temp dir.
  const outdir = mkdtempSync(join(tmpdir(), 'lead-router-synth-'));
  try {
    const { app } = buildApp({ configs: [stackConfig], bundle: false, outdir });
    const artifact = app.synth().getStackByName(stackId(stackConfig));
    const template: StackTemplate = artifact.template;
    const metadata: Record<string, MetadataEntry[]> = artifact.manifest.metadata ?? {};
    return { stackName: artifact.stackName, region: stackConfig.region, template, metadata };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
