import { z } from 'zod';

/** Messages between the function runtime and its worker threads (see function-worker.ts). */

export const WorkerConfig = z.object({
  entryFile: z.string(),
  handlerExport: z.string(),
  functionName: z.string(),
  functionArn: z.string(),
  memorySize: z.number(),
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;

export const InvokeMessage = z.object({
  type: z.literal('invoke'),
  requestId: z.string(),
  event: z.string(),
  deadline: z.number(),
});
export type InvokeMessage = z.infer<typeof InvokeMessage>;

export const FunctionError = z.object({ errorType: z.string(), errorMessage: z.string(), stack: z.string().optional() });
export type FunctionError = z.infer<typeof FunctionError>;

export const WorkerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('init-error'), error: FunctionError }),
  z.object({ type: z.literal('result'), requestId: z.string(), payload: z.string() }),
  z.object({ type: z.literal('error'), requestId: z.string(), error: FunctionError }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessage>;

export function toFunctionError(error: unknown): FunctionError {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { errorType: 'Error', errorMessage: String(error) };
}
