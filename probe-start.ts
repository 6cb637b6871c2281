import { startLocalStack } from '#infra/local/start.ts';
const c0 = process.cpuUsage(); const t0 = Date.now();
const stack = await startLocalStack({ log: () => {}, logLevel: 'WARN' });
const c1 = process.cpuUsage(c0); const t1 = Date.now();
console.log('start wall', t1 - t0, 'ms; node cpu', Math.round((c1.user + c1.system) / 1000), 'ms');
await stack.stop();
