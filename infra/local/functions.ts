import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { WorkerMessage, type FunctionError, type WorkerConfig } from './function-protocol.ts';
import type { LocalFunction } from './template.ts';

/**
 * Runs each function like Lambda does: an execution environment (here a worker thread) holds
 * one function with only its own environment variables and serves one invocation at a time;
 * concurrent invocations get more environments, up to the function's reserved concurrency
 * (`ReservedConcurrentExecutions`) or, without one, a default that stands in for the account's
 * unreserved pool, then wait their turn. On Lambda a synchronous invocation past the limit is
 * throttled and the caller retries; waiting here is that retry, without the client's backoff.
 */

export interface FunctionRuntimeOptions {
  /** Directory the template's entries are relative to. */
  readonly repoRoot: string;
  /** Variables every function gets over its template environment: region, endpoints, credentials. */
  readonly sharedEnv: Readonly<Record<string, string>>;
  /**
   * The execution environment's bootstrap; default function-worker.ts itself. The local stack
   * passes its bundled copy (see function-bundles.ts).
   */
  readonly workerFile?: string | URL;
  /** Execution environments of a function without reserved concurrency; default 4. */
  readonly defaultConcurrency?: number;
  /**
   * Each line a function prints (its log lines, on stdout or stderr), as CloudWatch would get
   * it; absent, they go to this process's own stdout and stderr.
   */
  readonly log?: (line: string) => void;
}

export interface FunctionRuntime {
  /** Invokes a function by logical id; rejects with the handler's error name and message. */
  invoke(logicalId: string, event: unknown): Promise<unknown>;
  /** How many environments a function may have, has, and how many are busy or waited for now. */
  concurrency(logicalId: string): FunctionConcurrency;
  /** Starts one environment per function, reporting those whose module fails to load. */
  warm(): Promise<{ logicalId: string; error?: Error }[]>;
  stop(): Promise<void>;
}

export interface FunctionConcurrency {
  /** Environments it may run at once: its reserved concurrency, or the default. */
  readonly limit: number;
  /** Environments started and alive, busy or idle. */
  readonly environments: number;
  readonly busy: number;
  /** Invocations waiting for an environment to come free. */
  readonly waiting: number;
}

/** An error as the function reported it, like the `errorType`/`errorMessage` of a Lambda invoke. */
export class FunctionInvocationError extends Error {
  readonly functionLogicalId: string;
  constructor(functionLogicalId: string, error: FunctionError) {
    super(error.errorMessage);
    this.name = error.errorType;
    this.functionLogicalId = functionLogicalId;
    if (error.stack) this.stack = error.stack;
  }
}

/**
 * Environments of a function without reserved concurrency. On AWS it would scale to the
 * account's limit; here every environment is a thread on this machine's few cores.
 */
export const DEFAULT_CONCURRENCY = 4;
const workerFile = new URL('./function-worker.ts', import.meta.url);

interface Instance {
  readonly ready: Promise<void>;
  readonly dead: () => boolean;
  run(event: unknown, timeoutSeconds: number): Promise<unknown>;
  terminate(): Promise<void>;
}

interface Pool {
  readonly fn: LocalFunction;
  readonly limit: number;
  readonly idle: Instance[];
  readonly all: Set<Instance>;
  readonly waiters: { resolve: (instance: Instance) => void; reject: (error: Error) => void }[];
}

export function startFunctions(functions: LocalFunction[], options: FunctionRuntimeOptions): FunctionRuntime {
  const defaultLimit = options.defaultConcurrency ?? DEFAULT_CONCURRENCY;
  const pools = new Map<string, Pool>(
    functions.map((fn) => [fn.logicalId, { fn, limit: fn.reservedConcurrency ?? defaultLimit, idle: [], all: new Set(), waiters: [] }]),
  );
  let stopped = false;

  const poolOf = (logicalId: string): Pool => {
    const pool = pools.get(logicalId);
    if (!pool) throw new Error(`no local function ${logicalId}`);
    return pool;
  };

  const spawn = async (pool: Pool): Promise<Instance> => {
    const instance = createInstance(pool.fn, options);
    pool.all.add(instance);
    try {
      await instance.ready;
      return instance;
    } catch (error) {
      pool.all.delete(instance);
      throw error;
    }
  };

  const acquire = async (pool: Pool): Promise<Instance> => {
    if (stopped) throw new Error('local functions are stopped');
    if (pool.limit === 0) {
      // Reserved concurrency 0 is how a function is switched off on Lambda: every call is throttled.
      throw new FunctionInvocationError(pool.fn.logicalId, { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' });
    }
    for (let instance = pool.idle.pop(); instance; instance = pool.idle.pop()) {
      if (!instance.dead()) return instance;
      pool.all.delete(instance);
    }
    if (pool.all.size < pool.limit) return spawn(pool);
    return new Promise((resolve, reject) => pool.waiters.push({ resolve, reject }));
  };

  const release = (pool: Pool, instance: Instance): void => {
    if (instance.dead()) {
      pool.all.delete(instance);
      // The waiter this instance would have served gets a fresh environment instead.
      const waiter = pool.waiters.shift();
      if (waiter && !stopped) spawn(pool).then(waiter.resolve, waiter.reject);
      return;
    }
    const waiter = pool.waiters.shift();
    if (waiter) waiter.resolve(instance);
    else pool.idle.push(instance);
  };

  return {
    async invoke(logicalId, event) {
      const pool = poolOf(logicalId);
      const instance = await acquire(pool);
      try {
        return await instance.run(event, pool.fn.timeoutSeconds);
      } finally {
        release(pool, instance);
      }
    },
    concurrency(logicalId) {
      const pool = poolOf(logicalId);
      const environments = [...pool.all].filter((instance) => !instance.dead()).length;
      const idle = pool.idle.filter((instance) => !instance.dead()).length;
      return { limit: pool.limit, environments, busy: environments - idle, waiting: pool.waiters.length };
    },
    async warm() {
      return Promise.all(
        [...pools.values()].filter((pool) => pool.limit > 0).map(async (pool) => {
          try {
            release(pool, await acquire(pool));
            return { logicalId: pool.fn.logicalId };
          } catch (error) {
            return { logicalId: pool.fn.logicalId, error: error as Error };
          }
        }),
      );
    },
    async stop() {
      stopped = true;
      const all = [...pools.values()].flatMap((pool) => {
        pool.waiters.splice(0).forEach((waiter) => waiter.reject(new Error('local functions are stopped')));
        return [...pool.all];
      });
      await Promise.all(all.map((instance) => instance.terminate()));
    },
  };
}

function createInstance(fn: LocalFunction, options: FunctionRuntimeOptions): Instance {
  const workerData: WorkerConfig = {
    entryFile: resolve(options.repoRoot, fn.entry),
    handlerExport: fn.handlerExport,
    functionName: fn.name,
    functionArn: fn.arn,
    memorySize: fn.memorySize,
  };
  const worker = new Worker(options.workerFile ?? workerFile, {
    workerData,
    // Only this function's variables, as in its own Lambda environment; nothing of ours leaks in.
    env: {
      ...fn.environment,
      ...options.sharedEnv,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      // Powertools reports cold starts only for on-demand environments.
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      // The SDK adds `app/<logical id>` to the user agent of every request, so a proxy in front of
      // the emulators can tell which function made a call (and check it against that role).
      AWS_SDK_UA_APP_ID: fn.logicalId,
    },
    resourceLimits: { maxOldGenerationSizeMb: fn.memorySize },
    ...(options.log ? { stdout: true, stderr: true } : {}),
  });
  if (options.log) {
    const log = options.log;
    for (const stream of [worker.stdout, worker.stderr]) createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => log(line));
  }
  let dead = false;
  let pending: { requestId: string; resolve: (value: unknown) => void; reject: (error: Error) => void } | undefined;
  const ready = Promise.withResolvers<void>();
  ready.promise.catch(() => undefined);

  const fail = (error: Error) => {
    dead = true;
    ready.reject(error);
    pending?.reject(error);
    pending = undefined;
  };
  worker.on('message', (raw: unknown) => {
    const message = WorkerMessage.parse(raw);
    switch (message.type) {
      case 'ready':
        return ready.resolve();
      case 'init-error':
        fail(new FunctionInvocationError(fn.logicalId, { ...message.error, errorType: `Runtime.ImportModuleError: ${message.error.errorType}` }));
        void worker.terminate();
        return;
      case 'result':
      case 'error':
        if (pending?.requestId !== message.requestId) return;
        if (message.type === 'result') pending.resolve(JSON.parse(message.payload));
        else pending.reject(new FunctionInvocationError(fn.logicalId, message.error));
        pending = undefined;
    }
  });
  // An uncaught exception or unhandled rejection ends the environment, as it crashes Lambda's.
  worker.on('error', (error) => fail(new FunctionInvocationError(fn.logicalId, { errorType: 'Runtime.ExitError', errorMessage: error.message })));
  worker.on('exit', (code) =>
    fail(new FunctionInvocationError(fn.logicalId, { errorType: 'Runtime.ExitError', errorMessage: `execution environment exited with code ${code}` })),
  );

  return {
    ready: ready.promise,
    dead: () => dead,
    run(event, timeoutSeconds) {
      if (dead) return Promise.reject(new FunctionInvocationError(fn.logicalId, { errorType: 'Runtime.ExitError', errorMessage: 'execution environment is gone' }));
      const requestId = randomUUID();
      const deadline = Date.now() + timeoutSeconds * 1000;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          fail(new FunctionInvocationError(fn.logicalId, { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${timeoutSeconds.toFixed(2)} seconds` }));
          void worker.terminate();
        }, timeoutSeconds * 1000);
        pending = {
          requestId,
          resolve: (value) => (clearTimeout(timer), resolve(value)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        };
        worker.postMessage({ type: 'invoke', requestId, event: JSON.stringify(event ?? null), deadline });
      });
    },
    async terminate() {
      dead = true;
      await worker.terminate();
    },
  };
}
