/**
 * The SDK calls a handler made, as captured from its clients, sent again by bare `@aws-sdk`
 * clients: for the handler-floor benchmark's floor (the time of the calls alone). Captured at the
 * SDK's build step, so each record is the serialized request of one logical call.
 */

export type ReplayService = 'dynamodb' | 'sqs' | 'ses' | 'sfn';

export interface CapturedCall {
  readonly service: ReplayService;
  readonly operation: string;
  /** The serialized request body (awsJson, or SES's query form). */
  readonly body: string;
  /** When the call began and ended, on the capture's clock (ms): overlapping calls were concurrent. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly ok: boolean;
}

/**
 * An SDK command input from a query-protocol form (SES v1): `Destination.ToAddresses.member.1=a`
 * becomes `{ Destination: { ToAddresses: ['a'] } }`; `Action` and `Version` name the call and
 * are left out.
 */
export function fromQueryForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    if (key === 'Action' || key === 'Version') continue;
    const path = key.split('.');
    let node: Record<string, unknown> = root;
    for (const [i, part] of path.entries()) {
      if (i === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    }
  }
  return listsOf(root) as Record<string, unknown>;
}

/** `{ member: { 1: a, 2: b } }` as `[a, b]`, all the way down. */
function listsOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && entries[0]![0] === 'member') {
    const members = entries[0]![1] as Record<string, unknown>;
    return Object.keys(members)
      .sort((a, b) => Number(a) - Number(b))
      .map((index) => listsOf(members[index]));
  }
  return Object.fromEntries(entries.map(([key, inner]) => [key, listsOf(inner)]));
}

/**
 * The order to send captured calls in so that they overlap as they did: each call waits for the
 * calls that had ended before it began, and no others. Returns, for each call, the indexes of
 * those it waits for.
 */
export function replayOrder(calls: readonly Pick<CapturedCall, 'startedAt' | 'endedAt'>[]): number[][] {
  return calls.map((call, i) => calls.flatMap((other, j) => (j !== i && other.endedAt <= call.startedAt ? [j] : [])));
}

/** Sends the calls with the given sender, each once the calls it waits for are done; resolves with each one's outcome. */
export async function replay<T>(calls: readonly CapturedCall[], sendOne: (call: CapturedCall) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const order = replayOrder(calls);
  const done: Promise<unknown>[] = [];
  const outcomes: Promise<PromiseSettledResult<T>>[] = calls.map((call, i) => {
    const started = Promise.all(order[i]!.map((j) => done[j])).then(() => sendOne(call));
    done[i] = started.catch(() => undefined);
    return started.then(
      (value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
      (reason: unknown): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
    );
  });
  return Promise.all(outcomes);
}
