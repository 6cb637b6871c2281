import { defineConfig } from 'vitest/config';
import LongestFirstInEachTier from './test/support/sequencer.ts';

/**
 * Every tier's processes run four files at a time on two cores, and most of them are short
 * lived (a file, an execution environment):
 * - V8's optimizing compiler (TurboFan) costs them more than its code wins back before they
 *   exit: Sparkplug and Maglev only (`--max-opt=2`);
 * - V8's helper threads (parallel GC, concurrent compiles) only compete for the same cores:
 *   `--single-threaded`.
 * Measured with `/usr/bin/time npx vitest run --project <tier>` (user+sys, two runs each):
 * integration 163 and 170 s with `--max-opt=2` alone, 141 and 143 s with both; infra (CDK
 * synthesis) 59 and 61 s with neither, 45 and 47 s with both; unit the same either way.
 */
const V8_FLAGS = ['--max-opt=2', '--single-threaded'];

/**
 * Three tiers plus the CDK assertions, each runnable alone (`npm run test:<tier>`):
 * - unit: pure code in shared/, functions/ and bench/, no emulator, no process, no network;
 * - integration: handlers and the local runtime's parts against the real emulators, started
 *   once for the tier by its global setup;
 * - infra: CDK assertions on the synthesized stacks;
 * - e2e: whole local stacks (and a browser), one per file.
 */
export default defineConfig({
  test: {
    // The JSON report lets CI print one plain "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    // vitest's default is one worker per core but one; most files here wait on emulators,
    // timers and a browser rather than compute, so more files than cores run at once.
    maxWorkers: 4,
    // A fresh clone has no durations of a last run to queue the long files first by.
    sequence: { sequencer: LongestFirstInEachTier },
    projects: [
      {
        test: {
          name: 'unit',
          execArgv: V8_FLAGS,
          include: ['shared/**/*.test.ts', 'functions/**/*.test.ts', 'bench/**/*.test.ts'],
          // Pure code holds no state between files worth a fresh module graph each (seconds of imports).
          isolate: false,
        },
      },
      {
        test: {
          name: 'infra',
          execArgv: V8_FLAGS,
          include: ['test/infra/**/*.test.ts'],
          setupFiles: ['test/infra/cdk-outdir.ts'],
          testTimeout: 120_000,
          // Synthesizing with esbuild bundling takes seconds per stack, more on a busy machine.
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          execArgv: V8_FLAGS,
          include: ['test/integration/**/*.test.ts', 'infra/local/**/*.test.ts', 'test/support/**/*.test.ts'],
          globalSetup: ['test/support/synth-cache.ts', 'test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          execArgv: V8_FLAGS,
          include: ['test/e2e/**/*.test.ts'],
          // One DynamoDB Local and fauxqs for the tier; each stack has its own tables, queues and SES inbox.
          globalSetup: ['test/support/synth-cache.ts', 'test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The fault-injection cases share one stack and mostly wait on its timers, eight at a
          // time: all two dozen at once starved each other on a fresh clone's run (clicks after
          // their accept windows, a function past its timeout), and so did a dozen once each
          // function could run four environments and its queue poller as many batches.
          maxConcurrency: 8,
        },
      },
    ],
  },
});
