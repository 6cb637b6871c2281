import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { z } from 'zod';
import { LOCAL_ACCOUNT_ID } from './intrinsics.ts';
import type { LocalStateMachine, TaskBinding } from './template.ts';

/**
 * A Step Functions endpoint for the app's unchanged SFNClient (AWS_ENDPOINT_URL_SFN): the
 * awsJson1_0 protocol for the calls the app and tests make, with each execution run by
 * aws-local-stepfunctions and its Task states bound to the local functions. Waits are real;
 * the app shortens them itself under TIME_SCALE. Executions live in memory.
 */

export interface StepFunctionsOptions {
  readonly stateMachines: readonly LocalStateMachine[];
  readonly invoke: (functionLogicalId: string, event: unknown) => Promise<unknown>;
  readonly region: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly log?: (line: string) => void;
}

export interface StepFunctionsServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: Status;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  abort(): void;
}

type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

class ServiceError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const StartExecution = z.object({ stateMachineArn: z.string(), name: z.string().optional(), input: z.string().optional() });
const ExecutionRef = z.object({ executionArn: z.string() });
const StopExecution = ExecutionRef.extend({ error: z.string().optional(), cause: z.string().optional() });
const ListExecutions = z.object({
  stateMachineArn: z.string(),
  statusFilter: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']).optional(),
  maxResults: z.number().int().min(0).max(1000).optional(),
  nextToken: z.string().optional(),
});
const StateMachineRef = z.object({ stateMachineArn: z.string() });

/** AWS's rule for execution names: 1-80 characters, none of these. */
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

export async function startStepFunctions(options: StepFunctionsOptions): Promise<StepFunctionsServer> {
  const created = new Date();
  const machines = new Map(
    options.stateMachines.map((sm) => [
      sm.arn,
      {
        sm,
        // The library validates the definition itself and throws with the reason.
        runner: new StateMachine(sm.definition as unknown as StateMachineDefinition),
        handlers: taskHandlers(sm.tasks, options.invoke),
      },
    ]),
  );
  const executions = new Map<string, Execution>();

  const machine = (arn: string) => {
    const found = machines.get(arn);
    if (!found) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return found;
  };
  const execution = (arn: string) => {
    const found = executions.get(arn);
    if (!found) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return found;
  };

  const operations: Record<string, (body: unknown) => object> = {
    StartExecution(body) {
      const request = parse(StartExecution, body);
      const { sm, runner, handlers } = machine(request.stateMachineArn);
      const name = request.name ?? crypto.randomUUID();
      if (name.length < 1 || name.length > 80 || INVALID_NAME.test(name)) throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
      const input = request.input ?? '{}';
      let parsedInput: unknown;
      try {
        parsedInput = JSON.parse(input);
      } catch {
        throw new ServiceError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${input}'`);
      }
      const executionArn = `arn:aws:states:${options.region}:${LOCAL_ACCOUNT_ID}:execution:${sm.name}:${name}`;
      const existing = executions.get(executionArn);
      if (existing) {
        // Standard workflows: a retry of a running execution with the same input is idempotent.
        if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: epochSeconds(existing.startDate) };
        throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      const startDate = new Date();
      const run = runner.run(parsedInput as never, {
        overrides: { taskResourceLocalHandlers: handlers },
        noThrowOnAbort: true,
        context: {
          Execution: { Id: executionArn, Input: parsedInput as never, Name: name, StartTime: startDate.toISOString() },
          StateMachine: { Id: sm.arn, Name: sm.name },
        },
      });
      const record: Execution = { executionArn, stateMachineArn: sm.arn, name, input, startDate, status: 'RUNNING', abort: run.abort };
      executions.set(executionArn, record);
      run.result.then(
        (output) => {
          if (record.status !== 'RUNNING') return;
          Object.assign(record, { status: 'SUCCEEDED', output: JSON.stringify(output), stopDate: new Date() });
        },
        (error: unknown) => {
          if (record.status !== 'RUNNING') return;
          const failure = describeFailure(error);
          Object.assign(record, { ...failure, stopDate: new Date() });
          options.log?.(`${sm.name} execution ${name} ${failure.status}: ${failure.error}${failure.cause ? `: ${failure.cause}` : ''}`);
        },
      );
      return { executionArn, startDate: epochSeconds(startDate) };
    },
    DescribeExecution(body) {
      const found = execution(parse(ExecutionRef, body).executionArn);
      return {
        executionArn: found.executionArn,
        stateMachineArn: found.stateMachineArn,
        name: found.name,
        status: found.status,
        startDate: epochSeconds(found.startDate),
        ...(found.stopDate ? { stopDate: epochSeconds(found.stopDate) } : {}),
        input: found.input,
        inputDetails: { included: true },
        ...(found.output !== undefined ? { output: found.output, outputDetails: { included: true } } : {}),
        ...(found.error !== undefined ? { error: found.error } : {}),
        ...(found.cause !== undefined ? { cause: found.cause } : {}),
      };
    },
    StopExecution(body) {
      const request = parse(StopExecution, body);
      const found = execution(request.executionArn);
      if (found.status === 'RUNNING') {
        Object.assign(found, { status: 'ABORTED', stopDate: new Date(), error: request.error, cause: request.cause });
        found.abort();
      }
      return { stopDate: epochSeconds(found.stopDate ?? new Date()) };
    },
    ListExecutions(body) {
      const request = parse(ListExecutions, body);
      machine(request.stateMachineArn);
      const all = [...executions.values()]
        .filter((item) => item.stateMachineArn === request.stateMachineArn && (!request.statusFilter || item.status === request.statusFilter))
        .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
      const offset = Number(request.nextToken ?? 0);
      const size = request.maxResults || 100;
      const page = all.slice(offset, offset + size);
      return {
        executions: page.map((item) => ({
          executionArn: item.executionArn,
          stateMachineArn: item.stateMachineArn,
          name: item.name,
          status: item.status,
          startDate: epochSeconds(item.startDate),
          ...(item.stopDate ? { stopDate: epochSeconds(item.stopDate) } : {}),
        })),
        ...(offset + size < all.length ? { nextToken: String(offset + size) } : {}),
      };
    },
    DescribeStateMachine(body) {
      const { sm } = machine(parse(StateMachineRef, body).stateMachineArn);
      return {
        stateMachineArn: sm.arn,
        name: sm.name,
        status: 'ACTIVE',
        definition: JSON.stringify(sm.definition),
        roleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${sm.name}Role`,
        type: 'STANDARD',
        creationDate: epochSeconds(created),
      };
    },
    ListStateMachines() {
      return {
        stateMachines: [...machines.values()].map(({ sm }) => ({
          stateMachineArn: sm.arn,
          name: sm.name,
          type: 'STANDARD',
          creationDate: epochSeconds(created),
        })),
      };
    },
  };

  const server = createServer((req, res) => {
    readJson(req)
      .then((body) => {
        const target = String(req.headers['x-amz-target'] ?? '');
        const operation = target.startsWith('AWSStepFunctions.') ? operations[target.slice('AWSStepFunctions.'.length)] : undefined;
        if (req.method !== 'POST' || !operation) throw new ServiceError('UnknownOperationException', `Unknown operation ${target}`);
        reply(res, 200, operation(body));
      })
      .catch((error: unknown) => {
        if (error instanceof ServiceError) return replyError(res, 400, error.code, error.message);
        replyError(res, 500, 'InternalFailure', error instanceof Error ? error.message : String(error));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: '127.0.0.1' }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      for (const item of executions.values()) {
        if (item.status !== 'RUNNING') continue;
        Object.assign(item, { status: 'ABORTED', stopDate: new Date() });
        item.abort();
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * A bare function ARN hands the state input to the function and its result back; the
 * `lambda:invoke` integration wraps both, as the Lambda Invoke API response does.
 */
function taskHandlers(tasks: Record<string, TaskBinding>, invoke: StepFunctionsOptions['invoke']): TaskHandlers {
  const handlers: TaskHandlers = {};
  for (const [stateName, binding] of Object.entries(tasks)) {
    handlers[stateName] =
      binding.style === 'function-arn'
        ? async (input) => (await invoke(binding.functionLogicalId, input)) as never
        : async (input) => {
            const payload = input !== null && typeof input === 'object' && 'Payload' in input ? input.Payload : null;
            const result = await invoke(binding.functionLogicalId, payload);
            return { ExecutedVersion: '$LATEST', Payload: result as never, StatusCode: 200 };
          };
  }
  return handlers;
}

function describeFailure(error: unknown): { status: Status; error: string; cause?: string } {
  if (error instanceof Error && error.name === 'ExecutionTimeoutError') return { status: 'TIMED_OUT', error: 'States.Timeout' };
  // ExecutionError wraps the state's error, whose name and message are ASL's Error and Cause.
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (inner instanceof Error) return { status: 'FAILED', error: inner.name, cause: inner.message };
  return { status: 'FAILED', error: 'States.Runtime', cause: String(error) };
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) throw new ServiceError('ValidationException', z.prettifyError(result.error));
  return result.data;
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ServiceError('SerializationException', 'request body is not JSON');
  }
}

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}

function replyError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': code });
  res.end(JSON.stringify({ __type: code, message }));
}
