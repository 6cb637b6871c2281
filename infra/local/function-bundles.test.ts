import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '#infra/function-code.ts';
import { BUNDLES_VARIABLE, stageFunctionCode, type StagedCode } from './function-bundles.ts';
import { startFunctions, type FunctionRuntime } from './functions.ts';
import type { LocalFunction } from './template.ts';

/**
 * A function's code as the local runtime runs it: its deployed bundle, in a folder with the
 * files it reads, which is its LAMBDA_TASK_ROOT; the AWS SDK from the runtime, as on Lambda.
 */

const HANDLER = `import { readFileSync } from 'node:fs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { e164 } from '${join(repoRoot, 'shared', 'domain', 'normalize.ts')}';
import { greeting } from './greeting.ts';

const note: string = readFileSync(new URL('./note.txt', import.meta.url), 'utf8').trim();

export const handler = async () => ({
  greeting,
  note,
  taskRoot: process.env.LAMBDA_TASK_ROOT,
  module: import.meta.url,
  marshalled: marshall({ n: 1 }),
  phone: e164('030 1234567', 'DE'),
  where: new Error('here').stack?.split('\\n')[1]?.trim(),
});
`;

const fn = (logicalId: string, entry: string, files: readonly string[]): LocalFunction => ({
  logicalId,
  name: logicalId,
  arn: `arn:aws:lambda:eu-west-1:000000000000:function:${logicalId}`,
  entry,
  files,
  handlerExport: 'handler',
  timeoutSeconds: 10,
  memorySize: 256,
  environment: { NODE_OPTIONS: '--enable-source-maps' },
});

describe('local function code', () => {
  let source: string;
  let entry: string;
  let staged: StagedCode;
  let runtime: FunctionRuntime;
  const ownBundles = process.env[BUNDLES_VARIABLE] === undefined;

  beforeAll(async () => {
    source = mkdtempSync(join(tmpdir(), 'function-code-test-'));
    entry = join(source, 'reader', 'handler.ts');
    mkdirSync(dirname(entry));
    writeFileSync(entry, HANDLER);
    writeFileSync(join(source, 'reader', 'greeting.ts'), "export const greeting: string = 'hello from a second module';\n");
    writeFileSync(join(source, 'note.txt'), 'a file beside the bundle\n');
    staged = await stageFunctionCode([fn('Reader', entry, [join(source, 'note.txt')])], { repoRoot });
    runtime = startFunctions(staged.functions, { repoRoot, sharedEnv: {}, workerFile: staged.workerFile });
  });

  afterAll(async () => {
    await runtime?.stop();
    staged?.dispose();
    rmSync(source, { recursive: true, force: true });
  });

  it('given a function that reads a file beside itself, when staged and invoked, then it runs as one bundle from a task root holding that file', async () => {
    const [reader] = staged.functions;
    const taskRoot = reader!.environment.LAMBDA_TASK_ROOT!;

    const result = (await runtime.invoke('Reader', {})) as Record<string, unknown>;

    expect(reader!.entry).toBe(join(taskRoot, 'index.mjs'));
    expect(readFileSync(join(taskRoot, 'note.txt'), 'utf8')).toBe('a file beside the bundle\n');
    expect(result).toMatchObject({ greeting: 'hello from a second module', note: 'a file beside the bundle', taskRoot, module: `file://${join(taskRoot, 'index.mjs')}` });
    // The phone metadata the bundle reads beside itself, as the stack copies it there.
    expect(result.phone).toBe('+49301234567');
    expect(readdirSync(taskRoot).sort()).toEqual(['index.mjs', 'index.mjs.map', 'metadata.min.json', 'note.txt']);
    // The SDK is the runtime's, outside the bundle, as Lambda provides it.
    expect(result.marshalled).toEqual({ n: { N: '1' } });
    expect(readFileSync(reader!.entry, 'utf8')).toMatch(/from"@aws-sdk\/util-dynamodb"/);
    // NODE_OPTIONS=--enable-source-maps, as the stack sets it: stack traces name the source file.
    expect(result.where).toContain(`${join('reader', 'handler.ts')}:`);
  });

  it('given two stacks whose function reads the same files, when staged, then both run the same folder, and a changed file gets a folder of its own', async () => {
    const again = await stageFunctionCode([fn('Reader', entry, [join(source, 'note.txt')])], { repoRoot });
    const otherNote = join(source, 'other', 'note.txt');
    mkdirSync(dirname(otherNote));
    writeFileSync(otherNote, 'another note\n');
    const changed = await stageFunctionCode([fn('Reader', entry, [otherNote])], { repoRoot });
    try {
      expect(again.functions[0]!.environment.LAMBDA_TASK_ROOT).toBe(staged.functions[0]!.environment.LAMBDA_TASK_ROOT);
      const changedRoot = changed.functions[0]!.environment.LAMBDA_TASK_ROOT!;
      expect(changedRoot).not.toBe(staged.functions[0]!.environment.LAMBDA_TASK_ROOT);
      expect(readFileSync(join(changedRoot, 'note.txt'), 'utf8')).toBe('another note\n');
    } finally {
      if (ownBundles) {
        again.dispose();
        changed.dispose();
      }
    }
  });

  it('given a stack of its own (no shared folder of bundles), when it stops, then its bundles are removed', async () => {
    const shared = process.env[BUNDLES_VARIABLE];
    delete process.env[BUNDLES_VARIABLE];
    try {
      const own = await stageFunctionCode([fn('Reader', entry, [])], { repoRoot });
      const taskRoot = own.functions[0]!.environment.LAMBDA_TASK_ROOT!;
      expect(existsSync(join(taskRoot, 'index.mjs'))).toBe(true);

      own.dispose();

      expect(existsSync(taskRoot)).toBe(false);
    } finally {
      if (shared !== undefined) process.env[BUNDLES_VARIABLE] = shared;
    }
  });
});
