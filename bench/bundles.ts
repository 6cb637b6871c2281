import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_OPTIONS, dataFilesOf, repoRoot } from '#infra/function-code.ts';
import { functionNames, variablesOf, type FunctionName, type VariableName } from '#shared/config/environment.ts';
import { encodeIntake, encodeRoutingSettings, loadStackConfig, routingSettings } from '#shared/config/stack-config.ts';
import { median, round1 } from './stats.ts';

/**
 * Each function as Lambda gets it: bundled with the stack's own esbuild options (one minified ESM
 * module for Node 24, the AWS SDK left to the runtime), its size and what fills it, and its
 * module init (the import of the bundle, cold, in a fresh Node process) next to an empty
 * handler's built the same way. The configuration is the demo stack's; the one secret read at
 * init (ingest's and admin's source key) is answered by a stub of Secrets Manager's endpoint,
 * so the code runs as it would, with no switch of its own.
 */

export interface BundleRun {
  readonly fn: string;
  readonly bytes: number;
  /**
   * The files beside `index.mjs` that the code reads after its init, on demand (the phone
   * metadata, the portal's stylesheet): in the function's package, not in its module.
   */
  readonly besideBytes: number;
  /** The five largest inputs of the bundle: a package, or `(our code)`. */
  readonly largest: readonly { readonly input: string; readonly bytes: number }[];
  readonly initMedianMs: number;
  readonly initCpuMedianMs: number;
  /** The whole cold process, spawn to exit: Node's own start plus the init. */
  readonly processMedianMs: number;
}

/** Where bundles are written: inside the repository, so the runtime's SDK resolves from node_modules. */
const outRoot = join(repoRoot, 'node_modules', '.cache', 'lead-router-bench-bundles');

const EMPTY = 'empty-handler';

/** Files a function reads beside its code at init, as the stack copies them into its bundle. */
const bundledFiles: Partial<Record<FunctionName, readonly string[]>> = { portal: ['shared/views/portal/portal.css'] };

async function bundle(entry: string | { contents: string }, outfile: string): Promise<Metafile> {
  const result = await build({
    ...BUNDLE_OPTIONS,
    ...(typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: { contents: entry.contents, loader: 'ts', resolveDir: repoRoot } }),
    outfile,
    // The size of the code itself: the source map is a file of its own.
    sourcemap: false,
    metafile: true,
    logLevel: 'silent',
  });
  return result.metafile;
}

/** Bytes in the output by package (`(our code)` for the repository's own modules). */
function largestInputs(metafile: Metafile): { input: string; bytes: number }[] {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match ? match[1]! : '(our code)';
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage.entries()]
    .map(([input, bytes]) => ({ input, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
}

/** A value of each variable that passes the environment schema, pointing at nothing real but the secret stub. */
function environmentOf(fn: FunctionName | typeof EMPTY, secretsEndpoint: string): Record<string, string> {
  const config = loadStackConfig(join(repoRoot, 'infra/stacks/demo.json'));
  const values: Partial<Record<VariableName, string>> = {
    LEAD_ROUTER_STACK: config.name,
    TABLE_NAME: 'bench-leads',
    STACK_CONFIG: encodeRoutingSettings(routingSettings(config)),
    INTAKE_CONFIG: encodeIntake(config.intake),
    PUBLIC_BASE_URL: 'https://leads.example.com',
    ROUTING_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/routing',
    ROUTING_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/routing-dlq',
    PLATFORM_FETCH_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/platform-fetch',
    PLATFORM_FETCH_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/platform-fetch-dlq',
    SLA_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sla',
    EMAIL_FROM: config.emailFrom,
    SES_CONFIGURATION_SET: 'bench',
  };
  const secret = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}`;
  const variables = fn === EMPTY ? [] : variablesOf(fn);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsEndpoint,
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  for (const name of variables) {
    const value = name.endsWith('_SECRET') ? secret(name) : values[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Secrets Manager's GetSecretValue, as the SDK expects it: a key of 64 characters for any id. */
function secretsStub(): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      const { SecretId: id } = JSON.parse(body || '{}') as { SecretId?: string };
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ ARN: id, Name: id, SecretString: 'k'.repeat(64), VersionId: 'v1', CreatedDate: 0 }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The import of the bundle in a fresh process: wall and CPU milliseconds, measured inside it. */
async function initOnce(file: string, env: Record<string, string>): Promise<{ ms: number; cpuMs: number; processMs: number }> {
  const started = performance.now();
  const probe = `const c=process.cpuUsage();const t=performance.now();await import(${JSON.stringify(file)});const u=process.cpuUsage(c);console.log(JSON.stringify({ms:performance.now()-t,cpuMs:(u.user+u.system)/1000}));process.exit(0);`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], { env, cwd: repoRoot });
  const processMs = performance.now() - started;
  return { ...(JSON.parse(stdout.trim().split('\n').at(-1)!) as { ms: number; cpuMs: number }), processMs };
}

export async function measureBundles(rounds = 7): Promise<BundleRun[]> {
  rmSync(outRoot, { recursive: true, force: true });
  const server = await secretsStub();
  try {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const targets: (FunctionName | typeof EMPTY)[] = [EMPTY, ...functionNames];
    const built = new Map<string, { file: string; metafile: Metafile; besideBytes: number }>();
    for (const fn of targets) {
      const file = join(outRoot, fn, 'index.mjs');
      mkdirSync(join(outRoot, fn), { recursive: true });
      const metafile = await bundle(fn === EMPTY ? { contents: 'export const handler = async () => ({});' } : join(repoRoot, `functions/${fn}/handler.ts`), file);
      let besideBytes = 0;
      for (const extra of fn === EMPTY ? [] : (bundledFiles[fn] ?? [])) {
        copyFileSync(join(repoRoot, extra), join(outRoot, fn, basename(extra)));
        besideBytes += statSync(join(repoRoot, extra)).size;
      }
      // As the stack stages them: the data a library's code reads beside the bundle.
      for (const { from, name } of dataFilesOf(metafile)) {
        copyFileSync(from, join(outRoot, fn, name));
        besideBytes += statSync(from).size;
      }
      built.set(fn, { file, metafile, besideBytes });
    }
    // Round-robin over the functions, so a busy moment of the machine falls on all of them alike.
    const samples = new Map<string, { ms: number[]; cpuMs: number[]; processMs: number[] }>(targets.map((fn) => [fn, { ms: [], cpuMs: [], processMs: [] }]));
    for (let round = 0; round < rounds; round++) {
      for (const fn of targets) {
        const { ms, cpuMs, processMs } = await initOnce(built.get(fn)!.file, environmentOf(fn, endpoint));
        samples.get(fn)!.ms.push(ms);
        samples.get(fn)!.cpuMs.push(cpuMs);
        samples.get(fn)!.processMs.push(processMs);
      }
    }
    return targets.map((fn) => {
      const { metafile, besideBytes } = built.get(fn)!;
      const bytes = Object.entries(metafile.outputs).find(([name]) => name.endsWith('index.mjs'))?.[1].bytes ?? 0;
      return { fn, bytes, besideBytes, largest: largestInputs(metafile), initMedianMs: round1(median(samples.get(fn)!.ms)), initCpuMedianMs: round1(median(samples.get(fn)!.cpuMs)), processMedianMs: round1(median(samples.get(fn)!.processMs)) };
    });
  } finally {
    server.close();
    if (!process.env.BENCH_KEEP_BUNDLES) rmSync(outRoot, { recursive: true, force: true });
  }
}
