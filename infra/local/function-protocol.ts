import { z } from 'zod';

/** Messages between the function runtime and its worker threads (see function-worker.ts). */

/**
 * What the runtime gives a worker and sends it: built by the runtime itself, so the worker takes
 * them as they come and carries no validator (zod would cost every environment's start).
 */
export interface WorkerConfig {
  readonly entryFile: string;
  readonly handlerExport: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly memorySize: number;
}

export interface InvokeMessage {
  readonly type: 'invoke';
  readonly requestId: string;
  /** The event as JSON text. */
  readonly event: string;
  /** Epoch milliseconds when the invocation times out. */
  readonly deadline: number;
}

export const FunctionError = z.object({ errorType: z.string(), errorMessage: z.string(), stack: z.string().optional() });
export type FunctionError = z.infer<typeof FunctionError>;

export const WorkerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('init-error'), error: FunctionError }),
  z.object({ type: z.literal('result'), requestId: z.string(), payload: z.string() }),
  z.object({ type: z.literal('error'), requestId: z.string(), error: FunctionError }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessage>;
