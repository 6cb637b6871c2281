import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS, dataFilesOf } from '#infra/function-code.ts';
import type { LocalFunction } from './template.ts';

/**
 * The code each local function runs: the bundle the stack deploys (`BUNDLE_OPTIONS`, one
 * `index.mjs` per function with the files its code reads copied beside it), in a directory
 * that is its `LAMBDA_TASK_ROOT`, as Lambda unpacks it. So a bundling mistake (a file not
 * copied, a module esbuild cannot follow) fails here as it would on AWS, and an execution
 * environment loads one module instead of compiling hundreds of source files.
 *
 * A test run shares one folder of bundles among its processes (`BUNDLES_VARIABLE`, set by the
 * run's global setup, which builds every function once); without it each start bundles into a
 * folder of its own, removed when the stack stops.
 */
export const BUNDLES_VARIABLE = 'LEAD_ROUTER_BUNDLES';

export interface StagedCode {
  /** The functions, each with `entry` its bundle and `LAMBDA_TASK_ROOT` the bundle's folder. */
  readonly functions: LocalFunction[];
  /**
   * The execution environment's own bootstrap (function-worker.ts) as one JavaScript module, so
   * a worker thread starts without loading the TypeScript stripper for it.
   */
  readonly workerFile: string;
  /** Removes the folder when it was this stack's own. */
  dispose(): void;
}

/** `functions/<name>/handler.ts` → `<name>`: one bundle per entry, named by its folder. */
const bundleName = (entry: string) => basename(dirname(entry));

/**
 * Bundles the entries (repository-relative) that `root/js` does not hold yet, in one esbuild
 * build, then moves each into place whole: a process that bundles the same entry at the same
 * time leaves one of the two, never half of one.
 */
export async function bundleEntries(entries: readonly string[], options: { readonly repoRoot: string; readonly root: string }): Promise<void> {
  const js = join(options.root, 'js');
  provideRuntimeSdk(options.root, options.repoRoot);
  const missing = [...new Set(entries)].filter((entry) => !existsSync(join(js, bundleName(entry), 'index.mjs')));
  if (missing.length === 0) return;
  mkdirSync(js, { recursive: true });
  const stage = mkdtempSync(join(options.root, '.bundling-'));
  try {
    const { metafile } = await build({
      ...BUNDLE_OPTIONS,
      metafile: true,
      entryPoints: Object.fromEntries(missing.map((entry) => [`${bundleName(entry)}/index`, resolve(options.repoRoot, entry)])),
      outdir: stage,
      outExtension: { '.js': '.mjs' },
      absWorkingDir: options.repoRoot,
      logLevel: 'error',
    });
    // Beside each bundle, the data files its code reads there (the phone metadata), as the stack copies them.
    for (const [output, details] of Object.entries(metafile.outputs)) {
      if (!output.endsWith('/index.mjs')) continue;
      const folder = dirname(resolve(options.repoRoot, output));
      for (const { from, name } of dataFilesOf({ inputs: {}, outputs: { [output]: details } })) copyFileSync(from, join(folder, name));
    }
    for (const entry of missing) moveIntoPlace(join(stage, bundleName(entry)), join(js, bundleName(entry)));
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export async function stageFunctionCode(functions: readonly LocalFunction[], options: { readonly repoRoot: string }): Promise<StagedCode> {
  const shared = process.env[BUNDLES_VARIABLE];
  const root = shared ?? mkdtempSync(join(tmpdir(), 'lead-router-code-'));
  const dispose = () => {
    if (!shared) rmSync(root, { recursive: true, force: true });
  };
  try {
    await bundleEntries(
      functions.map((fn) => fn.entry),
      { repoRoot: options.repoRoot, root },
    );
    const workerFile = await bundleWorker(root);
    const staged = functions.map((fn): LocalFunction => {
      const codeDir = codeDirOf(fn, root, options.repoRoot);
      return { ...fn, entry: join(codeDir, 'index.mjs'), environment: { ...fn.environment, LAMBDA_TASK_ROOT: codeDir } };
    });
    return { functions: staged, workerFile, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

const workerSource = fileURLToPath(new URL('./function-worker.ts', import.meta.url));

async function bundleWorker(root: string): Promise<string> {
  const file = join(root, 'function-worker.mjs');
  if (existsSync(file)) return file;
  const partial = `${file}.${process.pid}.tmp`;
  await build({ entryPoints: [workerSource], bundle: true, format: 'esm', platform: 'node', target: 'node24', outfile: partial, logLevel: 'error' });
  renameSync(partial, file);
  return file;
}

/**
 * The bundle's own folder when the function reads no files; else a folder of the bundle plus
 * those files, named by their content, so stacks whose files are the same share it (and V8's
 * code cache of it).
 */
function codeDirOf(fn: LocalFunction, root: string, repoRoot: string): string {
  const bundled = join(root, 'js', bundleName(fn.entry));
  if (fn.files.length === 0) return bundled;
  const paths = fn.files.map((file) => (isAbsolute(file) ? file : join(repoRoot, file)));
  const names = paths.map((path) => basename(path));
  if (new Set([...names, 'index.mjs', 'index.mjs.map']).size !== names.length + 2) {
    throw new Error(`${fn.logicalId}: files copied beside one bundle need distinct names other than index.mjs: ${fn.files.join(', ')}`);
  }
  const key = createHash('sha256');
  for (const path of paths) key.update(basename(path)).update('\0').update(readFileSync(path)).update('\0');
  const dir = join(root, `${bundleName(fn.entry)}-${key.digest('hex').slice(0, 16)}`);
  if (existsSync(join(dir, 'index.mjs'))) return dir;
  const stage = mkdtempSync(join(root, '.staging-'));
  try {
    for (const file of readdirSync(bundled)) copyFileSync(join(bundled, file), join(stage, file));
    paths.forEach((path, i) => copyFileSync(path, join(stage, names[i]!)));
    moveIntoPlace(stage, dir);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return dir;
}

/**
 * Lambda's Node runtime brings the AWS SDK, which the bundles leave out: the bundles' folder
 * gets the project's `@aws-sdk` packages and nothing else, so a bundle that needs any other
 * package it did not take in fails here as it would on AWS.
 */
function provideRuntimeSdk(root: string, repoRoot: string): void {
  const link = join(root, 'node_modules', '@aws-sdk');
  if (existsSync(link)) return;
  mkdirSync(dirname(link), { recursive: true });
  try {
    symlinkSync(join(repoRoot, 'node_modules', '@aws-sdk'), link, 'dir');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** Renames `from` to `to` unless another process got there first, whose copy is as good. */
function moveIntoPlace(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(join(to, 'index.mjs'))) throw error;
  }
}
