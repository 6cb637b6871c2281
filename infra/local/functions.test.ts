import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFunctions, type FunctionRuntime } from './functions.ts';
import { localScope } from './intrinsics.ts';
import { parseTemplate, resolveFunctions, type LocalFunction } from './template.ts';

const fixtures: Record<string, string> = {
  'env.mjs': `export const handler = async (event, context) => ({
    own: process.env.OWN, other: process.env.OTHER ?? null, shared: process.env.SHARED, appId: process.env.AWS_SDK_UA_APP_ID ?? null, event,
    requestId: context.awsRequestId, name: context.functionName, remaining: context.getRemainingTimeInMillis(),
  });`,
  'fails.mjs': `class LeadNotFound extends Error { name = 'LeadNotFound'; }
    export const handler = async () => { throw new LeadNotFound('no such lead'); };`,
  'slow.mjs': `export const handler = () => new Promise((resolve) => setTimeout(resolve, 5000));`,
  'broken.mjs': `throw new Error('cannot load');`,
  // Answers with an id of its execution environment once the test lets its request through.
  'held.mjs': `const environment = crypto.randomUUID();
    export const handler = async (event) => { await (await fetch(event.gate)).text(); return environment; };`,
  'logs.mjs': `export const handler = async () => { console.log('{"level":"INFO","message":"to stdout"}'); console.error('to stderr'); return 'logged'; };`,
};

const fn = (logicalId: string, file: string, environment: Record<string, string> = {}, timeoutSeconds = 3): LocalFunction => ({
  logicalId,
  name: logicalId,
  files: [],
  arn: `arn:aws:lambda:eu-west-1:000000000000:function:${logicalId}`,
  entry: file,
  handlerExport: 'handler',
  timeoutSeconds,
  memorySize: 256,
  environment,
});

describe('local function log lines', () => {
  it('given a log option, when a function prints on stdout and stderr, then each line reaches it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'functions-log-test-'));
    writeFileSync(join(dir, 'logs.mjs'), fixtures['logs.mjs']!);
    const lines: string[] = [];
    const runtime = startFunctions([fn('Logs', 'logs.mjs')], { repoRoot: dir, sharedEnv: {}, log: (line) => lines.push(line) });
    try {
      expect(await runtime.invoke('Logs', {})).toBe('logged');

      await expect.poll(() => lines).toEqual(expect.arrayContaining(['{"level":"INFO","message":"to stdout"}', 'to stderr']));
    } finally {
      await runtime.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local function environments', () => {
  let dir: string;
  let runtime: FunctionRuntime;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'functions-test-'));
    for (const [name, source] of Object.entries(fixtures)) writeFileSync(join(dir, name), source);
    runtime = startFunctions(
      [
        fn('First', 'env.mjs', { OWN: 'first', OTHER: 'only-first' }),
        fn('Second', 'env.mjs', { OWN: 'second' }),
        fn('Fails', 'fails.mjs'),
        fn('Slow', 'slow.mjs', {}, 0.2),
        fn('Broken', 'broken.mjs'),
      ],
      { repoRoot: dir, sharedEnv: { SHARED: 'yes' } },
    );
  });

  afterAll(async () => {
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given two functions from the same module, when invoked, then each sees only its own environment', async () => {
    expect(await runtime.invoke('First', { n: 1 })).toMatchObject({ own: 'first', other: 'only-first', shared: 'yes', event: { n: 1 }, name: 'First' });
    const second = (await runtime.invoke('Second', {})) as { own: string; other: null; requestId: string; remaining: number };
    expect(second).toMatchObject({ own: 'second', other: null });
    expect(second.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.remaining).toBeGreaterThan(2000);
    expect(process.env.OWN).toBeUndefined();
  });

  it('given two functions, when invoked, then the AWS SDK in each names its function in every request (the user agent app id is its logical id)', async () => {
    expect(await runtime.invoke('First', {})).toMatchObject({ appId: 'First' });
    expect(await runtime.invoke('Second', {})).toMatchObject({ appId: 'Second' });
  });

  it('given a handler that throws, when invoked, then the rejection carries its name and message', async () => {
    await expect(runtime.invoke('Fails', {})).rejects.toMatchObject({ name: 'LeadNotFound', message: 'no such lead' });
  });

  it('given a handler slower than its timeout, when invoked, then it times out and the next call gets a fresh environment', async () => {
    await expect(runtime.invoke('Slow', {})).rejects.toMatchObject({ name: 'Sandbox.Timedout' });
    await expect(runtime.invoke('Slow', {})).rejects.toMatchObject({ name: 'Sandbox.Timedout' });
  });

  it('given a module that fails to load, when warmed and invoked, then the load error is reported', async () => {
    const warmed = await runtime.warm();
    expect(warmed.find((result) => result.logicalId === 'Broken')?.error?.message).toBe('cannot load');
    await expect(runtime.invoke('Broken', {})).rejects.toThrow('cannot load');
  });

  it('given concurrent invocations, when they overlap, then all complete', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, n) => runtime.invoke('First', { n })));
    expect(results.map((result) => (result as { event: { n: number } }).event.n)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

/** An HTTP server that holds every request until told to let them through. */
async function startGate() {
  const held: ServerResponse[] = [];
  let open = false;
  const server = createServer((_req, res) => (open ? res.end('go') : held.push(res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    held: () => held.length,
    open() {
      open = true;
      for (const res of held.splice(0)) res.end('go');
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('local function concurrency', () => {
  let dir: string;
  let gate: Awaited<ReturnType<typeof startGate>>;
  let runtime: FunctionRuntime | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'functions-concurrency-test-'));
    writeFileSync(join(dir, 'held.mjs'), fixtures['held.mjs']!);
    gate = await startGate();
  });

  afterEach(async () => {
    gate.open();
    await runtime?.stop();
    runtime = undefined;
    await gate.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Invokes `count` times at once; the environment each invocation ran in, in order. */
  const invokeAtOnce = (logicalId: string, count: number) =>
    Array.from({ length: count }, () => runtime!.invoke(logicalId, { gate: gate.url }) as Promise<string>);

  it('given a function without reserved concurrency, when 5 events arrive at once, then 4 get an environment each and the 5th waits for one of them', async () => {
    runtime = startFunctions([fn('Held', 'held.mjs', {}, 60)], { repoRoot: dir, sharedEnv: {} });

    const results = invokeAtOnce('Held', 5);

    await expect.poll(() => gate.held(), { timeout: 30_000 }).toBe(4);
    expect(runtime.concurrency('Held')).toEqual({ limit: 4, environments: 4, busy: 4, waiting: 1 });
    gate.open();
    const environments = await Promise.all(results);
    expect(new Set(environments.slice(0, 4)).size).toBe(4);
    expect(environments.slice(0, 4)).toContain(environments[4]);
    expect(runtime.concurrency('Held')).toEqual({ limit: 4, environments: 4, busy: 0, waiting: 0 });
  });

  it('given a template whose function reserves a concurrency of 2, when 3 events arrive at once, then 2 environments run them and the 3rd waits', async () => {
    const model = parseTemplate({
      stackName: 'Reserved',
      region: 'eu-west-1',
      template: {
        Resources: {
          Held: {
            Type: 'AWS::Lambda::Function',
            Properties: { Handler: 'index.handler', Timeout: 60, ReservedConcurrentExecutions: 2 },
            Metadata: { 'lead-router:entry': 'held.mjs' },
          },
        },
      },
    });
    const functions = resolveFunctions(model, localScope({ region: model.region, stackName: model.stackName, resources: {} }));
    runtime = startFunctions(functions, { repoRoot: dir, sharedEnv: {} });

    const results = invokeAtOnce('Held', 3);

    await expect.poll(() => gate.held(), { timeout: 30_000 }).toBe(2);
    expect(runtime.concurrency('Held')).toEqual({ limit: 2, environments: 2, busy: 2, waiting: 1 });
    gate.open();
    const environments = await Promise.all(results);
    expect(new Set(environments).size).toBe(2);
  });

  it('given a function whose reserved concurrency is 0, when invoked, then it is throttled as Lambda throttles it and no environment starts', async () => {
    runtime = startFunctions([{ ...fn('Off', 'held.mjs'), reservedConcurrency: 0 }], { repoRoot: dir, sharedEnv: {} });

    await expect(runtime.invoke('Off', { gate: gate.url })).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    expect(await runtime.warm()).toEqual([]);
    expect(runtime.concurrency('Off')).toEqual({ limit: 0, environments: 0, busy: 0, waiting: 0 });
  });
});
