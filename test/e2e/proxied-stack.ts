import type { LocalStack, LocalStackOptions } from '#infra/local/start.ts';
import { startFaultProxy, type FaultProxy, type FaultService } from '../support/fault-proxy.ts';
import { startTestStack } from './test-stack.ts';

/**
 * The local stack with every function talking to the emulators through a fault proxy of its own
 * service (test/support/fault-proxy.ts); the runtime's own plumbing keeps talking to them
 * directly. `stop` ends the stack, then the proxies.
 */
export interface ProxiedStack {
  readonly stack: LocalStack;
  readonly proxies: Readonly<Record<FaultService, FaultProxy>>;
  stop(): Promise<void>;
}

export async function startProxiedStack(options: Omit<LocalStackOptions, 'functionEndpoint'>): Promise<ProxiedStack> {
  const proxies: Partial<Record<FaultService, FaultProxy>> = {};
  const stopProxies = async () => {
    await Promise.all(Object.values(proxies).map((proxy) => proxy.stop()));
  };
  let stack: LocalStack;
  try {
    stack = await startTestStack({
      ...options,
      functionEndpoint: async (service, endpoint) => {
        const proxy = await startFaultProxy({ target: endpoint, service });
        proxies[service] = proxy;
        return proxy.url;
      },
    });
  } catch (error) {
    await stopProxies();
    throw error;
  }
  const { dynamodb, sqs, ses, sfn } = proxies;
  // The runtime asks for each service's endpoint before any function starts.
  if (!dynamodb || !sqs || !ses || !sfn) {
    await stack.stop();
    await stopProxies();
    throw new Error('the local stack did not ask for every service endpoint');
  }
  return {
    stack,
    proxies: { dynamodb, sqs, ses, sfn },
    async stop() {
      await stack.stop();
      await stopProxies();
    },
  };
}
