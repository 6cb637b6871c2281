import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient, type TransactWriteCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';

/** A conditional update of one item: false when its condition did not hold, any other failure thrown. */
export async function updateIf(db: DynamoDBDocumentClient, input: UpdateCommandInput): Promise<boolean> {
  try {
    await db.send(new UpdateCommand(input));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** A transaction is tried this often when it only collided with another one in flight. */
const COLLISION_TRIES = 4;
const COLLISION_BACKOFF_MS = 20;

/**
 * The transaction was cancelled only because another transaction held one of its items at that
 * instant (TransactionConflict), with no condition failing: nothing was written.
 */
export function collidedOnly(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
  return codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
}

/**
 * Sends a transaction, trying it again (up to four times, a jittered and growing pause apart, so
 * two writers that collided do not collide again at once) when it only collided with another one
 * in flight: where a single update would have waited its turn, a transaction is cancelled, and
 * the SDK does not retry that. Its conditions are the same each time, so a condition that no
 * longer holds fails it as usual; any other failure is thrown at once.
 */
export async function transactWithRetries(db: DynamoDBDocumentClient, transaction: TransactWriteCommand): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.send(transaction);
      return;
    } catch (error) {
      if (!collidedOnly(error) || attempt >= COLLISION_TRIES) throw error;
      await sleep(COLLISION_BACKOFF_MS * attempt * (1 + Math.random()));
    }
  }
}
