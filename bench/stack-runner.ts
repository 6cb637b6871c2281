import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { StackMessage, type ParentMessage } from './stack-protocol.ts';

/**
 * What the benchmarks that run a whole local stack share: the stack in a process of its own
 * (stack-process.ts), driven by messages, and the percentiles they report.
 */

export const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const stackProcess = fileURLToPath(new URL('./stack-process.ts', import.meta.url));

export interface StackReady {
  /** Milliseconds the stack took to start and seed. */
  readonly startupMs: number;
  readonly apiUrl: string;
  readonly secrets: Readonly<Record<string, string>>;
}

export interface Census {
  readonly effectRecords: number;
  readonly done: number;
}

export interface PostedSample {
  readonly status: number;
  readonly ackMs: number;
  readonly offerMs: number | null;
}

/** An email as the stack's SES emulator took it; `at` is epoch ms with the fraction (see `preciseNow`). */
export interface TakenEmail {
  readonly subject: string;
  readonly at: number;
}

/** Epoch milliseconds with sub-millisecond precision, on the clock the stack process stamps emails with. */
export const preciseNow = () => performance.timeOrigin + performance.now();

/** A stack process: start it from a checkout, send it work, collect its answers. */
export class StackRunner {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #results = new Map<number, (sample: PostedSample) => void>();
  /** Answers that come in the order they were asked for. */
  readonly #pending: {
    census: ((census: Census) => void)[];
    imported: ((created: number) => void)[];
    environments: ((byFunction: Record<string, number>) => void)[];
  } = { census: [], imported: [], environments: [] };
  readonly #ready: Promise<StackReady>;
  readonly #failed: Promise<never>;
  readonly #exited: Promise<void>;
  #onEmail: ((email: TakenEmail) => void) | undefined;
  #failure: Error | undefined;
  #seq = 0;

  /** Lines the stack process prints (its runtime's failures, the functions' WARN and ERROR lines) go to `log`. */
  constructor(name: string, checkout: string, log: (line: string) => void, config = join(checkout, 'infra/stacks/demo.json')) {
    this.name = name;
    this.#child = fork(stackProcess, [pathToFileURL(join(checkout, 'infra/local/start.ts')).href, config], {
      // As `npm start` runs in its checkout: CDK looks for the lock file and cdk.json from there.
      cwd: checkout,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, LOG_LEVEL: 'WARN', TIME_SCALE: '1' },
    });
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) log(`[${name}] ${line}`);
      });
    }
    let fail: (error: Error) => void = () => undefined;
    this.#failed = new Promise<never>((_, reject) => (fail = reject));
    this.#failed.catch(() => undefined);
    const failWith = (error: Error) => {
      this.#failure ??= error;
      fail(this.#failure);
    };
    let ready: (ready: StackReady) => void = () => undefined;
    this.#ready = Promise.race([new Promise<StackReady>((resolve) => (ready = resolve)), this.#failed]);
    this.#child.on('message', (raw) => {
      const message = StackMessage.parse(raw);
      switch (message.type) {
        case 'ready':
          return ready(message);
        case 'failed':
          return failWith(new Error(`${name} stack: ${message.error}`));
        case 'census':
          return this.#pending.census.shift()?.({ effectRecords: message.effectRecords, done: message.done });
        case 'imported':
          return this.#pending.imported.shift()?.(message.created);
        case 'environments':
          return this.#pending.environments.shift()?.(message.byFunction);
        case 'email':
          return this.#onEmail?.(message);
        case 'result':
          return this.#results.get(message.seq)?.(message);
      }
    });
    this.#exited = new Promise((resolve) =>
      this.#child.once('exit', (code, signal) => {
        failWith(new Error(`${name} stack process exited (${signal ?? code})`));
        resolve();
      }),
    );
  }

  ready(): Promise<StackReady> {
    return this.#ready;
  }

  /** Rejects once the stack process failed or exited: race it against anything that waits on the stack. */
  get failed(): Promise<never> {
    return this.#failed;
  }

  /** Has the stack process post a lead to POST /leads now; resolves once its offer email arrived or the stack gave up waiting. */
  post(tag: { subject: string; body: Record<string, string> }, localAddress: string): Promise<PostedSample> {
    const seq = this.#seq++;
    const result = new Promise<PostedSample>((resolve) =>
      this.#results.set(seq, (sample) => {
        this.#results.delete(seq);
        resolve(sample);
      }),
    );
    this.#send({ type: 'post', seq, subject: tag.subject, body: tag.body, localAddress });
    return Promise.race([result, this.#failed]);
  }

  /** Adds reps through the admin API; resolves with how many were created. */
  importReps(reps: readonly Record<string, unknown>[]): Promise<number> {
    const created = new Promise<number>((resolve) => this.#pending.imported.push(resolve));
    this.#send({ type: 'import-reps', reps: [...reps] });
    return Promise.race([created, this.#failed]);
  }

  /** Calls `onEmail` for every email the stack's inbox takes from now on. */
  reportEmails(onEmail: (email: TakenEmail) => void): void {
    this.#onEmail = onEmail;
    this.#send({ type: 'report-emails' });
  }

  census(): Promise<Census> {
    const result = new Promise<Census>((resolve) => this.#pending.census.push(resolve));
    this.#send({ type: 'census' });
    return Promise.race([result, this.#failed]);
  }

  /** Execution environments each function has started and alive now, by logical id. */
  environments(): Promise<Record<string, number>> {
    const result = new Promise<Record<string, number>>((resolve) => this.#pending.environments.push(resolve));
    this.#send({ type: 'environments' });
    return Promise.race([result, this.#failed]);
  }

  #send(message: ParentMessage): void {
    if (!this.#failure && this.#child.connected) this.#child.send(message);
  }

  async stop(): Promise<void> {
    this.#send({ type: 'stop' });
    const killer = setTimeout(() => this.#child.kill('SIGKILL'), 20_000);
    await this.#exited;
    clearTimeout(killer);
  }
}

/** A loopback address per client (127.0.1.1 and up): each is a new client to the rate limiter. */
export const clientAddress = (n: number) => `127.0.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`;
