import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackMessage, type ParentMessage } from './outbox-latency-protocol.ts';

/**
 * What the transactional outbox costs a lead on its way to a rep: POST /leads to the offer email
 * in the inbox, on the current code and on the last commit before the outbox (which sent the
 * routing message, started the timer and sent the email inline after each commit), in one run.
 *
 * Each version runs as its own local stack, in its own process (outbox-latency-stack.ts); the old
 * one from a git worktree of that commit, sharing the repo's node_modules. Leads go to the two
 * stacks alternately, in ABBA order, at a fixed schedule that does not wait for earlier leads,
 * so both versions see the same machine at the same moments and neither is favoured by going
 * first. The third variant one might want, the outbox with its fast path off (every effect
 * through the stream relay), is not measured: the product has no switch for it.
 */

export interface OutboxLatencyOptions {
  /** Measured leads per stack. */
  readonly leads?: number;
  /** Leads per stack before measuring: function environments spawned, code paths warm. */
  readonly warmUpLeads?: number;
  /** Posting rate per stack; the two stacks together get twice this. */
  readonly leadsPerSecond?: number;
  /** The inline (pre-outbox) version. */
  readonly inlineCommit?: string;
  /** Child processes' log lines, which are WARN and above only. */
  readonly log?: (line: string) => void;
}

interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

export interface VariantResult {
  readonly variant: 'outbox' | 'inline';
  readonly commit: string;
  readonly startupS: number;
  readonly posted: number;
  /** Posts answered 202. */
  readonly accepted: number;
  /** Leads whose offer email arrived within the timeout. */
  readonly offered: number;
  readonly ackMs: Percentiles;
  readonly offerMs: Percentiles;
  /** Effect records in the stack's table afterwards: the outbox's, all done; none inline. */
  readonly effectRecords: Census;
}

export interface OutboxLatencyResult {
  readonly leadsPerStack: number;
  readonly warmUpLeadsPerStack: number;
  readonly leadsPerSecondPerStack: number;
  readonly order: string;
  readonly measuredForS: number;
  readonly currentUncommittedChanges: boolean;
  readonly variants: readonly [VariantResult, VariantResult];
  /** Outbox minus inline, and outbox / inline, of each percentile. */
  readonly offer: { readonly diffMs: Omit<Percentiles, 'max'>; readonly ratio: Omit<Percentiles, 'max'>; readonly pairedDiffMs: { readonly p50: number; readonly p95: number } };
  readonly ack: { readonly diffMs: Omit<Percentiles, 'max'>; readonly ratio: Omit<Percentiles, 'max'> };
  readonly fastPathOff: { readonly measured: false; readonly reason: string };
}

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const stackProcess = fileURLToPath(new URL('./outbox-latency-stack.ts', import.meta.url));
const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** A warm lead for the DACH team from Hamburg (website + solar + email + postal code scores 40). */
const leadBody = (tag: string) => ({
  firstName: 'Bench',
  lastName: tag,
  email: `${tag.toLowerCase()}@bench.example.com`,
  product: 'solar',
  country: 'DE',
  postalCode: '20095',
  source: 'website',
});
const offerSubject = (tag: string) => `New warm lead: Bench ${tag} (solar)`;

interface Census {
  readonly effectRecords: number;
  readonly done: number;
}

interface Sample {
  readonly round: number;
  readonly status: number;
  readonly ackMs: number;
  readonly offerMs: number | null;
}

/** A stack process: start it, have it post leads, collect what it measured. */
class StackRunner {
  readonly variant: 'outbox' | 'inline';
  readonly #child: ChildProcess;
  readonly #results = new Map<number, (sample: Omit<Sample, 'round'>) => void>();
  readonly #censuses: ((census: Census) => void)[] = [];
  readonly #ready: Promise<number>;
  readonly #failed: Promise<never>;
  readonly #exited: Promise<void>;
  #failure: Error | undefined;
  #seq = 0;

  constructor(variant: 'outbox' | 'inline', checkout: string, log: (line: string) => void) {
    this.variant = variant;
    this.#child = fork(stackProcess, [pathToFileURL(join(checkout, 'infra/local/start.ts')).href, join(checkout, 'infra/stacks/demo.json')], {
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
        for (const line of lines) if (line.trim()) log(`[${variant}] ${line}`);
      });
    }
    let fail: (error: Error) => void = () => undefined;
    this.#failed = new Promise<never>((_, reject) => (fail = reject));
    this.#failed.catch(() => undefined);
    const failWith = (error: Error) => {
      this.#failure ??= error;
      fail(this.#failure);
    };
    let ready: (startupMs: number) => void = () => undefined;
    this.#ready = Promise.race([new Promise<number>((resolve) => (ready = resolve)), this.#failed]);
    this.#child.on('message', (raw) => {
      const message = StackMessage.parse(raw);
      if (message.type === 'ready') ready(message.startupMs);
      else if (message.type === 'failed') failWith(new Error(`${variant} stack: ${message.error}`));
      else if (message.type === 'census') this.#censuses.shift()?.({ effectRecords: message.effectRecords, done: message.done });
      else this.#results.get(message.seq)?.(message);
    });
    this.#exited = new Promise((resolve) =>
      this.#child.once('exit', (code, signal) => {
        failWith(new Error(`${variant} stack process exited (${signal ?? code})`));
        resolve();
      }),
    );
  }

  /** Milliseconds the stack took to start, seed and take the benchmark's rep. */
  ready(): Promise<number> {
    return this.#ready;
  }

  /** Posts a lead now; resolves once its offer email arrived or the stack gave up waiting. */
  post(round: number, tag: string, localAddress: string): Promise<Sample> {
    const seq = this.#seq++;
    const result = new Promise<Sample>((resolve) =>
      this.#results.set(seq, (sample) => {
        this.#results.delete(seq);
        resolve({ round, ...sample });
      }),
    );
    this.#send({ type: 'post', seq, subject: offerSubject(tag), body: leadBody(tag), localAddress });
    return Promise.race([result, this.#failed]);
  }

  census(): Promise<Census> {
    const result = new Promise<Census>((resolve) => this.#censuses.push(resolve));
    this.#send({ type: 'census' });
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

/** The old version's checkout, removed again however the run ends (exit, Ctrl-C, a throw). */
function inlineCheckout(commit: string): { dir: string; remove: () => void } {
  const parent = mkdtempSync(join(tmpdir(), 'lead-router-bench-'));
  const dir = join(parent, 'inline');
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    process.removeListener('exit', remove);
    try {
      git('worktree', 'remove', '--force', dir);
    } catch {
      // Not added, or already gone: the prune below forgets it either way.
    }
    rmSync(parent, { recursive: true, force: true });
    try {
      git('worktree', 'prune');
    } catch {
      // Nothing to prune.
    }
  };
  process.once('exit', remove);
  try {
    git('worktree', 'add', '--detach', dir, commit);
    // Only two packages were added since (the stream client and util-dynamodb), so the repo's
    // installed modules serve the old code too.
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  } catch (error) {
    remove();
    throw error;
  }
  return { dir, remove };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;
const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
  return { p50: round1(quantile(sorted, 0.5)), p95: round1(quantile(sorted, 0.95)), p99: round1(quantile(sorted, 0.99)), mean: round1(mean), max: round1(sorted.at(-1) ?? NaN) };
}

const compare = (outbox: Percentiles, inline: Percentiles) => ({
  diffMs: { p50: round1(outbox.p50 - inline.p50), p95: round1(outbox.p95 - inline.p95), p99: round1(outbox.p99 - inline.p99), mean: round1(outbox.mean - inline.mean) },
  ratio: { p50: round2(outbox.p50 / inline.p50), p95: round2(outbox.p95 / inline.p95), p99: round2(outbox.p99 / inline.p99), mean: round2(outbox.mean / inline.mean) },
});

/** A loopback address per lead (127.0.1.1 and up): each lead is a new client to the rate limiter. */
const clientAddress = (n: number) => `127.0.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`;

/**
 * Posts `rounds` rounds, one lead to each stack per round, ABBA: the first of a round is the
 * outbox in even rounds and the inline path in odd ones. Posts follow the clock, not the answers.
 */
async function postRounds(stacks: { outbox: StackRunner; inline: StackRunner }, rounds: number, leadsPerSecond: number, phase: string, firstClient: number) {
  const gapMs = 1000 / (2 * leadsPerSecond);
  const pending: { outbox: Promise<Sample>[]; inline: Promise<Sample>[] } = { outbox: [], inline: [] };
  const began = performance.now();
  let slot = 0;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['outbox', 'inline'] as const) : (['inline', 'outbox'] as const);
    for (const variant of order) {
      const wait = began + slot * gapMs - performance.now();
      if (wait > 0) await sleep(wait);
      const tag = `${phase}${variant === 'outbox' ? 'O' : 'I'}${round}`;
      pending[variant].push(stacks[variant].post(round, tag, clientAddress(firstClient + slot)));
      slot++;
    }
  }
  const [outbox, inline] = await Promise.all([Promise.all(pending.outbox), Promise.all(pending.inline)]);
  return { outbox, inline, postingS: (performance.now() - began) / 1000 };
}

function summarize(variant: 'outbox' | 'inline', commit: string, startupMs: number, samples: readonly Sample[], effectRecords: Census): VariantResult {
  const accepted = samples.filter((s) => s.status === 202);
  const offered = accepted.flatMap((s) => (s.offerMs === null ? [] : [s.offerMs]));
  return {
    variant,
    commit,
    startupS: round1(startupMs / 1000),
    posted: samples.length,
    accepted: accepted.length,
    offered: offered.length,
    ackMs: percentiles(accepted.map((s) => s.ackMs)),
    offerMs: percentiles(offered),
    effectRecords,
  };
}

export async function measureOutboxLatency(options: OutboxLatencyOptions = {}): Promise<OutboxLatencyResult> {
  const leads = options.leads ?? 100;
  const warmUpLeads = options.warmUpLeads ?? 8;
  const leadsPerSecond = options.leadsPerSecond ?? 2.5;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const inlineCommit = git('rev-parse', '--verify', `${options.inlineCommit ?? '7e80002'}^{commit}`);
  const currentCommit = git('rev-parse', 'HEAD');
  // Others may be editing: the current stack runs the working tree, which may differ from HEAD.
  const currentUncommittedChanges = git('status', '--porcelain', '--', 'shared', 'functions', 'infra', 'package.json') !== '';

  const checkout = inlineCheckout(inlineCommit);
  const interrupted = () => process.exit(130);
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const stacks: { outbox?: StackRunner; inline?: StackRunner } = {};
  try {
    // One after the other: two syntheses and two JVMs starting at once would only slow both.
    stacks.outbox = new StackRunner('outbox', repoRoot, log);
    const outboxStartup = await stacks.outbox.ready();
    stacks.inline = new StackRunner('inline', checkout.dir, log);
    const inlineStartup = await stacks.inline.ready();
    const both = { outbox: stacks.outbox, inline: stacks.inline };

    const warm = await postRounds(both, warmUpLeads, leadsPerSecond, 'W', 0);
    const warmMissing = [...warm.outbox, ...warm.inline].filter((s) => s.offerMs === null).length;
    if (warmMissing > 0) throw new Error(`${warmMissing} warm-up leads got no offer email within the timeout`);
    await sleep(1_000);
    const measured = await postRounds(both, leads, leadsPerSecond, 'M', 2 * warmUpLeads);

    const [outboxCensus, inlineCensus] = await Promise.all([both.outbox.census(), both.inline.census()]);
    // Which code each stack ran, checked by what it left in its table.
    if (outboxCensus.effectRecords === 0) throw new Error('the outbox stack recorded no effects: it is not running the outbox code');
    if (inlineCensus.effectRecords > 0) throw new Error(`the inline stack recorded ${inlineCensus.effectRecords} effects: it is not running ${inlineCommit}`);
    const outbox = summarize('outbox', currentUncommittedChanges ? `${currentCommit} (+ working tree)` : currentCommit, outboxStartup, measured.outbox, outboxCensus);
    const inline = summarize('inline', inlineCommit, inlineStartup, measured.inline, inlineCensus);
    const paired = measured.outbox.flatMap((o, i) => {
      const other = measured.inline[i];
      return o.offerMs !== null && other?.offerMs != null ? [o.offerMs - other.offerMs] : [];
    });
    const pairedSorted = paired.sort((a, b) => a - b);
    return {
      leadsPerStack: leads,
      warmUpLeadsPerStack: warmUpLeads,
      leadsPerSecondPerStack: leadsPerSecond,
      order: 'one lead to each stack per round, ABBA, on a fixed schedule',
      measuredForS: round1(measured.postingS),
      currentUncommittedChanges,
      variants: [outbox, inline],
      offer: { ...compare(outbox.offerMs, inline.offerMs), pairedDiffMs: { p50: round1(quantile(pairedSorted, 0.5)), p95: round1(quantile(pairedSorted, 0.95)) } },
      ack: compare(outbox.ackMs, inline.ackMs),
      fastPathOff: {
        measured: false,
        reason: 'the product has no switch to turn the fast path off, and the benchmark does not add one',
      },
    };
  } finally {
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    await Promise.all([stacks.outbox?.stop(), stacks.inline?.stop()]);
    checkout.remove();
  }
}
