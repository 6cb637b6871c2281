import { inject } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '#infra/local/start.ts';

/**
 * The local stack as end-to-end files start it: on the tier's DynamoDB Local and fauxqs (its own
 * prefixed tables and queues, its own inbox), each function starting at its first invocation,
 * and quiet unless a test asks for its lines.
 */
export function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({ sharedEmulators: inject('emulatorEndpoints'), warm: false, logLevel: 'WARN', log: () => {}, ...options });
}
