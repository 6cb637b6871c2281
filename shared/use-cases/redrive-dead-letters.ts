import type { MovedBatch } from '../adapters/dead-letters.ts';

export interface RedriveReport {
  readonly moved: number;
  readonly failed: number;
  /** Still in the DLQ after this call (approximate): call again while it is above 0. */
  readonly remaining: number;
}

/** The routing queue's dead letters: moved back to the queue a batch at a time. */
export interface DeadLetterQueue {
  moveBatch(limit?: number): Promise<MovedBatch>;
  /** How many wait (approximate). */
  waiting(): Promise<number>;
}

export interface RedriveDeps {
  readonly deadLetters: DeadLetterQueue;
  /** Milliseconds left for this call (a Lambda's remaining time, less a margin). */
  readonly timeLeft: () => number;
}

/** A batch takes three SQS calls; stop while there is time for one more. */
const BATCH_BUDGET_MS = 2_000;

/**
 * After a fix, an admin sends the leads that failed routing back to the routing queue.
 * 1. Move the DLQ's messages back in batches of up to ten, until `max` or the DLQ looks empty.
 * 2. Stop early when the call's time runs short; the caller asks again for the rest.
 * 3. Report how many moved, how many could not be sent, and how many are still waiting.
 * A lead that fails again simply returns to the DLQ after its retries.
 */
export async function redriveDeadLetters(max: number, deps: RedriveDeps): Promise<RedriveReport> {
  let moved = 0;
  let failed = 0;
  while (moved + failed < max && deps.timeLeft() > BATCH_BUDGET_MS) {
    const batch = await deps.deadLetters.moveBatch(max - moved - failed);
    if (batch.moved === 0 && batch.failed === 0) break;
    moved += batch.moved;
    failed += batch.failed;
    if (batch.moved === 0) break;
  }
  return { moved, failed, remaining: await deps.deadLetters.waiting() };
}
