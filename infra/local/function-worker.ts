import { enableCompileCache } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { FunctionError, InvokeMessage, WorkerConfig, WorkerMessage } from './function-protocol.ts';

/**
 * One Lambda execution environment: a worker thread with its own module graph and its own
 * `process.env`, running one invocation at a time. Events and results cross as JSON text,
 * as they do through the Lambda API, so a handler cannot rely on anything JSON would lose.
 */

type Handler = (event: unknown, context: object) => unknown;

function toFunctionError(error: unknown): FunctionError {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { errorType: 'Error', errorMessage: String(error) };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const config = workerData as WorkerConfig;
  const post = (message: WorkerMessage) => port.postMessage(message);

  // Each environment compiles the handler's whole module graph; V8's code cache on disk (in the
  // temp dir, keyed by each file's content) makes every cold start after the first cheaper.
  enableCompileCache();
  // Lambda's Node runtime reads NODE_OPTIONS; the stack sets --enable-source-maps there, so a
  // bundled function's stack traces name its source files. A worker thread does not read it.
  if (process.env.NODE_OPTIONS?.split(/\s+/).includes('--enable-source-maps')) process.setSourceMapsEnabled(true);
  let handler: Handler;
  try {
    const module: Record<string, unknown> = await import(pathToFileURL(config.entryFile).href);
    const exported = module[config.handlerExport];
    if (typeof exported !== 'function') throw new Error(`${config.entryFile} does not export a function "${config.handlerExport}"`);
    handler = exported as Handler;
  } catch (error) {
    post({ type: 'init-error', error: toFunctionError(error) });
    return;
  }

  port.on('message', async (raw: unknown) => {
    const message = raw as InvokeMessage;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: config.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: config.functionArn,
      memoryLimitInMB: String(config.memorySize),
      awsRequestId: message.requestId,
      logGroupName: `/aws/lambda/${config.functionName}`,
      logStreamName: `local/[$LATEST]${process.pid}`,
      getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    try {
      const result = await handler(JSON.parse(message.event), context);
      post({ type: 'result', requestId: message.requestId, payload: JSON.stringify(result ?? null) });
    } catch (error) {
      post({ type: 'error', requestId: message.requestId, error: toFunctionError(error) });
    }
  });
  post({ type: 'ready' });
}

await main();
