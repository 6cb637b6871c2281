import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { configNames, loadStackConfigs, ONLY_STACK_CONTEXT, stackId, stacksDir } from './app.ts';
import { StackConfigError } from '#shared/config/stack-config.ts';

/**
 * `npm run deploy -- <name> [cdk deploy options]`: deploys the one stack described by
 * `infra/stacks/<name>.json` with the AWS credentials of the shell. Only that stack is built
 * (and bundled); the config is validated first, so a typo fails here with the file, path and
 * reason, before anything reaches CloudFormation. `--dry-run` prints the cdk command instead.
 */
const USAGE = `usage: npm run deploy -- <name> [--dry-run] [cdk deploy options]
  <name> is a file of infra/stacks/ without .json: ${configNames().join(', ')}`;

export function deployCommand(name: string, extra: readonly string[]): string[] {
  const configs = loadStackConfigs();
  const config = configs.find((candidate) => candidate.name === name);
  if (!config) throw new StackConfigError(`No stack config named "${name}" in ${stacksDir}\n${USAGE}`);
  // Changes that widen IAM or security groups wait for a yes; everything else goes through.
  return ['cdk', 'deploy', stackId(config), '-c', `${ONLY_STACK_CONTEXT}=${config.name}`, '--require-approval', 'broadening', ...extra];
}

function main(argv: string[]): number {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.error(USAGE);
    return name ? 0 : 2;
  }
  const dryRun = rest.includes('--dry-run');
  let command: string[];
  try {
    command = deployCommand(name, rest.filter((arg) => arg !== '--dry-run'));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  console.log(`$ npx ${command.join(' ')}`);
  if (dryRun) return 0;
  const repoRoot = fileURLToPath(new URL('..', import.meta.url));
  return spawnSync('npx', command, { stdio: 'inherit', cwd: repoRoot }).status ?? 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));
