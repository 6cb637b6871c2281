import type { MovedBatch } from '../adapters/dead-letters.ts';

export interface RedriveReport {
  readonly moved: number;
  readonly failed: number;
  /** Still in the DLQ after this call (approximate): call again while it is above 0. */
  readonly remaining: number;
}

/** A DLQ's messages, moved back to the queue they failed on a batch at a time. */
export interface DeadLetterQueue {
  moveBatch(limit?: number): Promise<MovedBatch>;
  /** How many wait (approximate). */
  waiting(): Promise<number>;
}

export interface RedriveDeps {
  /** Every DLQ that is redriven (routing, platform fetch), emptied in this order. */
  readonly deadLetters: DeadLetterQueue | readonly DeadLetterQueue[];
  /** Milliseconds left for this call (a Lambda's remaining time, less a margin). */
  readonly timeLeft: () => number;
}

/** A batch takes three SQS calls; stop while there is time for one more. */
const BATCH_BUDGET_MS = 2_000;

/**
 * After a fix, an admin sends the leads that failed routing back to the routing queue, and the
 * ad platform leads that could not be fetched back to the platform fetch queue.
 * 1. Move each DLQ's messages back in batches of up to ten, until `max` or the DLQ looks empty.
 * 2. Stop early when the call's time runs short; the caller asks again for the rest.
 * 3. Report how many moved, how many could not be sent, and how many are still waiting.
 * A lead that fails again simply returns to the DLQ after its retries.
 */
export async function redriveDeadLetters(max: number, deps: RedriveDeps): Promise<RedriveReport> {
  const queues: readonly DeadLetterQueue[] = Array.isArray(deps.deadLetters) ? deps.deadLetters : [deps.deadLetters as DeadLetterQueue];
  let moved = 0;
  let failed = 0;
  for (const queue of queues) {
    while (moved + failed < max && deps.timeLeft() > BATCH_BUDGET_MS) {
      const batch = await queue.moveBatch(max - moved - failed);
      if (batch.moved === 0 && batch.failed === 0) break;
      moved += batch.moved;
      failed += batch.failed;
      if (batch.moved === 0) break;
    }
  }
  const waiting = await Promise.all(queues.map((queue) => queue.waiting()));
  return { moved, failed, remaining: waiting.reduce((sum, count) => sum + count, 0) };
}
