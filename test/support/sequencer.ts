import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * vitest queues each tier's files longest first by the durations of the last run, which a
 * fresh clone (CI) does not have: it falls back to file size, and the SES outage file, short to
 * read and two minutes to run on a loaded machine, then starts halfway through and ends last.
 * These files take longest in their tier; each tier queues them first, in this order, and the
 * rest as vitest does. Tiers stay where vitest puts them. Of the three files with a fault stack,
 * the cases with timing windows (fault-injection) start only once a first file is done: with all
 * three starting together, a fresh clone's run starved them enough that clicks came after their
 * accept windows closed.
 */
const LONGEST_IN_THEIR_TIER = [
  'test/e2e/fault-schedules.test.ts',
  'test/e2e/emulator-outage.test.ts',
  'test/e2e/lead-journey.test.ts',
  'test/e2e/local-stack-data-dir.test.ts',
  'test/e2e/fault-injection.test.ts',
  'test/infra/example-stacks.test.ts',
  'test/integration/routing.test.ts',
  'test/integration/ingest-fuzz.test.ts',
  'test/integration/sweeper.test.ts',
];

export default class LongestFirstInEachTier extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const queued = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const at = LONGEST_IN_THEIR_TIER.indexOf(relative(spec.project.config.root, spec.moduleId));
      return at === -1 ? LONGEST_IN_THEIR_TIER.length : at;
    };
    const tiers = [...new Set(queued.map((spec) => spec.project.name))];
    // Array sort is stable: within a tier, what is not listed keeps vitest's order.
    return tiers.flatMap((tier) => queued.filter((spec) => spec.project.name === tier).sort((a, b) => rank(a) - rank(b)));
  }
}
