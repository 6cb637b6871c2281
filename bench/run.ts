import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, arch, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureDecisions } from './routing-decision.ts';

// `npm run bench`: time one routing decision (classify + rank) at three roster sizes in one
// process, so the 10k/1k ratio compares like with like. Numbers are for reading, not asserting.

const sizes = [
  { reps: 100, iterations: 5_000 },
  { reps: 1_000, iterations: 2_000 },
  { reps: 10_000, iterations: 500 },
];

const runs = sizes.map(({ reps, iterations }) => measureDecisions(reps, iterations));
const byReps = (n: number) => runs.find((run) => run.reps === n);
const ratio = (byReps(10_000)?.medianUs ?? NaN) / (byReps(1_000)?.medianUs ?? NaN);

const result = {
  benchmark: 'routing-decision',
  date: new Date().toISOString(),
  machine: {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    platform: platform(),
    arch: arch(),
    totalMemoryGB: Math.round(totalmem() / 1024 ** 3),
  },
  runs,
  medianRatio10kTo1k: Math.round(ratio * 100) / 100,
};

const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'routing-decision.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

const row = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(i === 0 ? 8 : 12)).join(' ');
process.stdout.write(
  [
    `routing decision (classify + rank), ${result.machine.node}, ${result.machine.cpu}`,
    row(['reps', 'iterations', 'median µs', 'p95 µs', 'eligible', 'heap MB']),
    ...runs.map((r) => row([r.reps, r.iterations, r.medianUs, r.p95Us, r.meanEligible, r.heapUsedMB])),
    `median 10k / 1k: ${result.medianRatio10kTo1k}x`,
    `written to ${file}`,
    '',
  ].join('\n'),
);
