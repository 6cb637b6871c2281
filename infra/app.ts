import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStackConfig, StackConfigError, type StackConfig } from '#shared/config/stack-config.ts';
import { territoriesFileOf } from '#shared/config/territories-file.ts';
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

const configFiles = (dir: string) =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort();

/** The deployment names, from the file names (`infra/stacks/<name>.json`). */
export function configNames(dir = stacksDir): string[] {
  return configFiles(dir).map((file) => file.replace(/\.json$/, ''));
}

/**
 * Every `infra/stacks/*.json` file, validated; a bad file fails synth naming file, path and
 * problem. A file is named after the deployment it holds, so `npm run deploy -- <name>` finds it.
 */
export function loadStackConfigs(dir = stacksDir): StackConfig[] {
  return configFiles(dir).map((file) => {
    const path = join(dir, file);
    const config = loadStackConfig(path);
    if (`${config.name}.json` !== file) throw new StackConfigError(`${path}: name: "${config.name}" must match the file name (${file.replace(/\.json$/, '')})`);
    // The franchisees and territories it names load into the stack's table, not its template: checked here all the same.
    territoriesFileOf(path, config);
    return config;
  });
}

export interface BuildAppOptions extends AppProps {
  readonly configs?: StackConfig[];
  /** false skips esbuild bundling (the local runtime and most tests only need the template). */
  readonly bundle?: boolean;
  /** Where given `configs` came from, for the files they name (territoriesFile); default the stacks directory. */
  readonly configDir?: string;
}

/** `cdk ... -c stack=<name>` builds only that deployment (what `npm run deploy -- <name>` passes). */
export const ONLY_STACK_CONTEXT = 'stack';
/** `cdk synth -c stacksDir=<dir>` reads the configs of another directory (a staging copy, a test). */
export const STACKS_DIR_CONTEXT = 'stacksDir';

export function buildApp(options: BuildAppOptions = {}): { app: App; stacks: LeadRouterStack[] } {
  const { configs: given, bundle = true, configDir, ...appProps } = options;
  const app = new App({
    ...appProps,
    context: { ...cdkJsonContext(), ...appProps.context, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const only: unknown = app.node.tryGetContext(ONLY_STACK_CONTEXT);
  const dir = String(app.node.tryGetContext(STACKS_DIR_CONTEXT) ?? stacksDir);
  const configs = (given ?? loadStackConfigs(dir)).filter((config) => only === undefined || config.name === only);
  if (configs.length === 0) {
    throw new StackConfigError(`No stack config named "${String(only)}" in ${dir}; the configs there are ${configNames(dir).join(', ')}`);
  }
  const stacks = configs.map(
    (config) =>
      new LeadRouterStack(app, stackId(config), {
        config,
        ...(config.routing.territoriesFile ? { territoriesFile: join((given && configDir) || dir, config.routing.territoriesFile) } : {}),
        env: { account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT, region: config.region },
        description: `Lead router (${config.name})`,
      }),
  );
  // AWS Solutions checks run at every synth; an unacknowledged finding stops it.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stacks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    buildApp().app.synth();
  } catch (error) {
    // A config mistake is the admin's to fix: the file, path and reason, without a stack trace.
    if (!(error instanceof StackConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
