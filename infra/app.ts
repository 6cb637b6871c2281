import { App, type AppProps } from 'aws-cdk-lib';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStackConfig, type StackConfig } from '#shared/config/stack-config.ts';
import { LeadRouterStack } from './lead-router-stack.ts';

export const stacksDir = fileURLToPath(new URL('./stacks/', import.meta.url));
const cdkJson = fileURLToPath(new URL('../cdk.json', import.meta.url));

/** The feature flags of cdk.json, so tests and the local runtime shape the stack as `cdk synth` does. */
function cdkJsonContext(): Record<string, unknown> {
  const { context = {} } = JSON.parse(readFileSync(cdkJson, 'utf8')) as { context?: Record<string, unknown> };
  return context;
}

export function stackId(config: StackConfig): string {
  return `LeadRouter-${config.name}`;
}

/** Every `infra/stacks/*.json` file, validated; a bad file fails synth naming file, path and problem. */
export function loadStackConfigs(dir = stacksDir): StackConfig[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => loadStackConfig(join(dir, file)));
}

export interface BuildAppOptions extends AppProps {
  readonly configs?: StackConfig[];
  /** false skips esbuild bundling (the local runtime and most tests only need the template). */
  readonly bundle?: boolean;
}

export function buildApp(options: BuildAppOptions = {}): { app: App; stacks: LeadRouterStack[] } {
  const { configs = loadStackConfigs(), bundle = true, ...appProps } = options;
  const app = new App({
    ...appProps,
    context: { ...cdkJsonContext(), ...appProps.context, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const stacks = configs.map(
    (config) =>
      new LeadRouterStack(app, stackId(config), {
        config,
        env: { account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT, region: config.region },
        description: `Lead router (${config.name})`,
      }),
  );
  return { app, stacks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().app.synth();
}
