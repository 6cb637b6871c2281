import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { LOCAL_CREDENTIALS, startEmulators, type EmulatorEndpoints } from './emulators.ts';
import { startFakePlatforms, type FakePlatforms } from './fake-platforms.ts';
import { stageFunctionCode } from './function-bundles.ts';
import { startFunctions, type FunctionConcurrency, type FunctionRuntime } from './functions.ts';
import { startGateway } from './gateway.ts';
import { startLandingServer, type LandingServer } from './landing.ts';
import { localScope, type ResolveScope } from './intrinsics.ts';
import { startPollers } from './poller.ts';
import { provision, type Provisioned } from './provision.ts';
import { parseTimeScale, startScheduler } from './scheduler.ts';
import { writePlatformTokens, writeSecrets } from './secrets.ts';
import { loadTerritories, seedDemoData } from './seed.ts';
import { startStepFunctions } from './stepfunctions.ts';
import { startStreamPollers, type StreamPollers } from './stream-poller.ts';
import { loadStackConfig } from '#shared/config/stack-config.ts';
import { DEFAULT_CONFIG_FILE, synthesizeStack } from './synth.ts';
import { localValues, parseTemplate, resolveFunctions, resolveStateMachines, type SynthesizedStack } from './template.ts';

/**
 * The whole stack on this machine, wired from the synthesized template: emulators, tables and
 * queues, secrets, the state machine endpoint, one worker per function environment, the API
 * gateway, the queue and table stream pollers and the scheduled rules. `npm start` runs it;
 * tests call `startLocalStack`.
 */

export interface LocalStackOptions {
  /** Stack config file; default infra/stacks/demo.json. */
  readonly config?: string;
  /** Persist tables, queues and secrets here; in memory when absent. */
  readonly dataDir?: string;
  /** Put the demo reps in the table; default true. */
  readonly seed?: boolean;
  /** API port; default 0, a free one. */
  readonly port?: number;
  /** SES port, whose `/store` and web page are the inbox; default 0, a free one. */
  readonly sesPort?: number;
  /** Passed to the functions as TIME_SCALE, and divides the scheduled rules' periods; default the TIME_SCALE of this process. */
  readonly timeScale?: string;
  /** Passed to the functions as LOG_LEVEL; default the LOG_LEVEL of this process. */
  readonly logLevel?: string;
  /**
   * Start one environment per function before `ready`, so a module that fails to load is
   * reported at once; default true. False leaves each to its function's first invocation, as
   * on Lambda: a test that starts a stack pays only for the functions it calls.
   */
  readonly warm?: boolean;
  /** Prefix for local table and queue names, to share emulators between stacks. */
  readonly namePrefix?: string;
  /**
   * DynamoDB Local and fauxqs already running (a test run's) instead of starting its own; its
   * tables and queues then get a prefix of their own unless `namePrefix` names one.
   */
  readonly sharedEmulators?: { readonly dynamodb: string; readonly sqs: string };
  /** The runtime's own lines (requests, failures) and every line a function logs; default console.log. */
  readonly log?: (line: string) => void;
  /**
   * The endpoint the functions use for a service, given the emulator's (e.g. a fault-injecting
   * proxy in front of it, for tests). The runtime's own plumbing (event source pollers, the
   * seed) keeps talking to the emulators directly, as AWS's own does.
   */
  readonly functionEndpoint?: (service: 'dynamodb' | 'sqs' | 'ses' | 'sfn', endpoint: string) => string | Promise<string>;
  /**
   * Told of each function invocation as it ends (from the gateway, a poller, a state machine, the
   * scheduler or `invoke`), with its wall time here: for counting invocations and their duration.
   */
  readonly onInvocation?: (invocation: { readonly functionLogicalId: string; readonly ms: number; readonly failed: boolean }) => void;
}

export interface LocalStack {
  readonly apiUrl: string;
  readonly inboxUrl: string;
  readonly region: string;
  readonly endpoints: EmulatorEndpoints & { readonly sfn: string };
  /** The stack's table (the first one, should it ever have several). */
  readonly tableName: string;
  readonly resources: Provisioned;
  /** The value of each secret by logical id (the admin key, the link-signing key). */
  readonly secrets: Readonly<Record<string, string>>;
  /** Logical ids of the functions it runs. */
  readonly functionIds: readonly string[];
  /** ARNs of its state machines (the SLA timer). */
  readonly stateMachineArns: readonly string[];
  /** The fake ad platform APIs the leadgen function fetches from here (tests may add leads and failures). */
  readonly platforms: FakePlatforms;
  /** The synthesized stack it runs, as the CDK app produced it (its roles and their policies too). */
  readonly synthesized: SynthesizedStack;
  /** What the template's Ref, Fn::GetAtt and pseudo parameters stand for here: local names and ARNs. */
  readonly scope: ResolveScope;
  /** Invokes a function by logical id, as the gateway, pollers and state machines do. */
  invoke(functionLogicalId: string, event: unknown): Promise<unknown>;
  /** A function's execution environments now: its limit, how many are started, busy and waited for. */
  concurrency(functionLogicalId: string): FunctionConcurrency;
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const namePrefix = options.namePrefix ?? (options.sharedEmulators ? `s${randomUUID().slice(0, 8)}-` : undefined);
  // Stopped front to back: no new work comes in while what runs drains, emulators go last.
  const stopOrder = ['scheduler', 'pollers', 'gateway', 'stepfunctions', 'functions', 'code', 'platforms', 'emulators', 'secrets'] as const;
  const cleanups = new Map<(typeof stopOrder)[number], () => Promise<void> | void>();
  const stopAll = async () => {
    for (const name of stopOrder) {
      const cleanup = cleanups.get(name);
      cleanups.delete(name);
      await Promise.resolve()
        .then(cleanup)
        .catch((error: unknown) => log(`while stopping ${name}: ${(error as Error).message}`));
    }
  };
  try {
    const emulatorsStarting = startEmulators({
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.sharedEmulators ? { shared: options.sharedEmulators } : {}),
      ports: { ses: options.sesPort ?? 0 },
    });
    // Awaited below; a failure meanwhile (no Java, a taken port) must not surface as unhandled.
    emulatorsStarting.catch(() => undefined);
    // Synthesis is seconds of synchronous work; let java get spawned first so both overlap.
    await sleep(150);
    let stack: SynthesizedStack;
    try {
      stack = await synthesizeStack(options.config ?? DEFAULT_CONFIG_FILE);
    } catch (error) {
      await emulatorsStarting.then((emulators) => emulators.stop()).catch(() => undefined);
      throw error;
    }
    const emulators = await emulatorsStarting;
    cleanups.set('emulators', () => emulators.stop());
    const model = parseTemplate(stack);
    for (const note of model.notRunLocally) log(`not run locally: ${note}`);

    const endpointFor = async (service: 'dynamodb' | 'sqs' | 'ses' | 'sfn', endpoint: string) => (options.functionEndpoint ? options.functionEndpoint(service, endpoint) : endpoint);
    const functionSqs = await endpointFor('sqs', emulators.endpoints.sqs);
    // Queue URLs name their endpoint's host, and an SQS client sends to the queue's URL: the
    // functions' queue URLs point where the functions' SQS calls should go.
    const provisioned = await provision(model, { dynamodb: emulators.endpoints.dynamodb, sqs: functionSqs }, { ...(namePrefix ? { prefix: namePrefix } : {}) });
    const baseScope = localScope({ region: model.region, stackName: model.stackName, resources: provisioned.values });
    const secrets = writeSecrets(model.secrets, baseScope, options.dataDir);
    cleanups.set('secrets', () => secrets.dispose());
    // Facebook and LinkedIn sources fetch their leads from this fake, with a local token each.
    const platforms = await startFakePlatforms();
    cleanups.set('platforms', () => platforms.stop());
    writePlatformTokens(secrets.refs, loadStackConfig(options.config ?? DEFAULT_CONFIG_FILE).intake.sources);

    // The gateway listens first: its URL is the API endpoint in the functions' environment.
    const gateway = await startGateway({ routes: model.routes, port: options.port ?? 0, log });
    cleanups.set('gateway', () => gateway.stop());
    const scope = localScope({
      region: model.region,
      stackName: model.stackName,
      resources: localValues(model, { provisioned: provisioned.values, apiUrl: gateway.url, secretRefs: secrets.refs }),
    });
    // Each function runs the bundle the stack deploys, from a folder that is its LAMBDA_TASK_ROOT.
    const code = await stageFunctionCode(resolveFunctions(model, scope), { repoRoot });
    cleanups.set('code', () => code.dispose());
    const functions = code.functions;

    // The state machines call the functions, whose environment needs the state machine endpoint.
    let runtime: FunctionRuntime | undefined;
    let streamPollers: StreamPollers | undefined;
    const invoke = (functionLogicalId: string, event: unknown) => {
      if (!runtime) return Promise.reject(new Error('functions are not started yet'));
      const started = performance.now();
      const invoked = runtime.invoke(functionLogicalId, event);
      if (options.onInvocation) {
        const told = options.onInvocation;
        invoked.then(
          () => told({ functionLogicalId, ms: performance.now() - started, failed: false }),
          () => told({ functionLogicalId, ms: performance.now() - started, failed: true }),
        );
      }
      // What an invocation wrote is on the table's stream now: its readers need not wait out their rest.
      return invoked.finally(() => streamPollers?.nudge());
    };
    const sfn = await startStepFunctions({ stateMachines: resolveStateMachines(model, scope), invoke, region: model.region, log });
    cleanups.set('stepfunctions', () => sfn.stop());

    const timeScale = options.timeScale ?? process.env.TIME_SCALE;
    // Checked before anything else starts work: the functions would refuse a bad value anyway.
    const scale = parseTimeScale(timeScale);
    const logLevel = options.logLevel ?? process.env.LOG_LEVEL;
    const functionSes = await endpointFor('ses', emulators.endpoints.ses);
    const started = startFunctions(functions, {
      repoRoot,
      workerFile: code.workerFile,
      log,
      sharedEnv: {
        AWS_REGION: model.region,
        AWS_DEFAULT_REGION: model.region,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_DYNAMODB: await endpointFor('dynamodb', emulators.endpoints.dynamodb),
        AWS_ENDPOINT_URL_SQS: functionSqs,
        AWS_ENDPOINT_URL_SES: functionSes,
        AWS_ENDPOINT_URL_SESV2: functionSes,
        AWS_ENDPOINT_URL_SFN: await endpointFor('sfn', sfn.endpoint),
        PLATFORM_API_BASE_URL: platforms.url,
        ...(timeScale ? { TIME_SCALE: timeScale } : {}),
        ...(logLevel ? { LOG_LEVEL: logLevel } : {}),
        // No EMF metric lines in the console unless asked for (POWERTOOLS_METRICS_DISABLED=false npm start).
        POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
      },
    });
    runtime = started;
    cleanups.set('functions', () => started.stop());
    for (const { logicalId, error } of options.warm === false ? [] : await started.warm()) {
      if (error) log(`${logicalId} failed to load, its invocations will fail: ${error.name}: ${error.message}`);
    }

    const [table] = model.tables;
    const tableName = table ? provisioned.tables[table.logicalId]!.name : '';
    if (options.seed !== false && table) {
      const added = await seedDemoData({ tableName, endpoint: emulators.endpoints.dynamodb, region: model.region });
      if (added) log(`seeded ${added} demo reps`);
    }

    if (table) {
      const configFile = options.config ?? DEFAULT_CONFIG_FILE;
      const loaded = await loadTerritories({ configFile, tableName, endpoint: emulators.endpoints.dynamodb, region: model.region });
      if (loaded !== undefined) log(`loaded ${loaded} territories from ${configFile}'s territoriesFile`);
    }

    gateway.serve(invoke);
    const pollers = startPollers({
      queues: model.eventSourceMappings.map((mapping) => {
        const queue = provisioned.queues[mapping.queueLogicalId]!;
        return { mapping, queueUrl: queue.url, queueArn: queue.arn, functionConcurrency: started.concurrency(mapping.functionLogicalId).limit };
      }),
      invoke,
      sqsEndpoint: emulators.endpoints.sqs,
      region: model.region,
      log,
    });
    cleanups.set('pollers', () => pollers.stop());
    streamPollers = await startStreamPollers({
      streams: model.streamMappings.map((mapping) => {
        const streamArn = provisioned.values[mapping.tableLogicalId]?.attributes.StreamArn;
        if (!streamArn) throw new Error(`${mapping.logicalId}: table ${mapping.tableLogicalId} was provisioned without a stream`);
        const onFailure = mapping.onFailureQueueLogicalId ? provisioned.queues[mapping.onFailureQueueLogicalId] : undefined;
        return { mapping, streamArn, ...(onFailure ? { onFailureQueueUrl: onFailure.url } : {}) };
      }),
      invoke,
      dynamodbEndpoint: emulators.endpoints.dynamodb,
      sqsEndpoint: emulators.endpoints.sqs,
      region: model.region,
      log,
    });
    // Both kinds of poller share the slot: neither may hand work to stopped functions.
    const startedStreamPollers = streamPollers;
    cleanups.set('pollers', () => Promise.all([pollers.stop(), startedStreamPollers.stop()]).then(() => undefined));
    const scheduler = startScheduler({ schedules: model.schedules, invoke, region: model.region, timeScale: scale, log });
    cleanups.set('scheduler', () => scheduler.stop());

    let stopping: Promise<void> | undefined;
    return {
      apiUrl: gateway.url,
      inboxUrl: `http://localhost:${new URL(emulators.endpoints.ses).port}`,
      region: model.region,
      endpoints: { ...emulators.endpoints, sfn: sfn.endpoint },
      tableName,
      resources: provisioned,
      functionIds: functions.map((fn) => fn.logicalId),
      stateMachineArns: resolveStateMachines(model, scope).map((sm) => sm.arn),
      platforms,
      synthesized: stack,
      scope,
      secrets: Object.fromEntries(
        Object.entries(secrets.refs).map(([id, ref]) => [id, readFileSync(ref.slice('file:'.length), 'utf8').trim()]),
      ),
      invoke,
      concurrency: (functionLogicalId) => started.concurrency(functionLogicalId),
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function main(): Promise<void> {
  const { values: flags } = parseArgs({
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG_FILE },
      'data-dir': { type: 'string' },
      'no-seed': { type: 'boolean', default: false },
    },
  });
  const port = Number(process.env.PORT ?? 3000);
  const sesPort = Number(process.env.SES_PORT ?? 8005);
  const landingPort = Number(process.env.LANDING_PORT ?? 8080);
  const startedAt = Date.now();
  console.log(`Lead router: starting the local stack from ${flags.config}${flags['data-dir'] ? `, data in ${flags['data-dir']}` : ', in memory'}`);
  const stack = await startLocalStack({
    config: flags.config,
    ...(flags['data-dir'] ? { dataDir: flags['data-dir'] } : {}),
    seed: !flags['no-seed'],
    port,
    sesPort,
  });

  // The sample page of events/landing, posting to the demo config's `website` source. A busy
  // port costs the page, not the stack.
  let landing: LandingServer | undefined;
  try {
    landing = await startLandingServer({ port: landingPort, webhookUrl: `${stack.apiUrl}/sources/website/leads` });
  } catch (error) {
    console.log(`  (no landing page: ${(error as Error).message}; LANDING_PORT picks another port)`);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: stopping`);
    Promise.resolve(landing?.stop())
      .then(() => stack.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // `npm start` runs us under `sh -c`; a SIGTERM to npm kills that shell, not us. Being
  // re-parented means whoever started us is gone, so stop rather than linger with java.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown('parent process exited');
  }, 1_000).unref();

  console.log(`  API    ${stack.apiUrl}`);
  console.log(`  Inbox  ${stack.inboxUrl}`);
  console.log(`  Portal ${stack.apiUrl}/portal   (reps sign in by email link, e.g. ana@demo.example.com; manager: sales.manager@demo.example.com)`);
  if (landing) console.log(`  Landing ${landing.url}   (sample landing page posting to the webhook)`);
  console.log(`  Ad platforms ${stack.platforms.url}   (fake Graph API and LinkedIn API: the leads of events/platforms/ for Facebook and LinkedIn notifications)`);
  const adminKey = Object.entries(stack.secrets).find(([id]) => id.startsWith('AdminApiKey'))?.[1];
  if (adminKey) console.log(`  Admin  Authorization: Bearer ${adminKey}   (LEAD_ROUTER_ADMIN_KEY for "npm run admin": sources, lead, erase, queue, import-reps, reps, simulate, redrive, recount)`);
  console.log(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)}s: POST ${stack.apiUrl}/leads (Ctrl-C stops)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? `cannot start: ${error.message}` : error);
    process.exit(1);
  });
}
