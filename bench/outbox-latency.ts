import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchLeadBody as leadBody, benchOfferSubject as offerSubject, benchRep } from './bench-http.ts';
import { clientAddress, repoRoot, StackRunner, type Census, type PostedSample } from './stack-runner.ts';
import { percentiles, quantile, round1, round2, type Percentiles } from './stats.ts';

/**
 * What the transactional outbox costs a lead on its way to a rep: POST /leads to the offer email
 * in the inbox, on the current code and on the last commit before the outbox (which sent the
 * routing message, started the timer and sent the email inline after each commit), in one run.
 *
 * Each version runs as its own local stack, in its own process (stack-process.ts); the old
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

const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();


interface Sample extends PostedSample {
  readonly round: number;
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

const compare = (outbox: Percentiles, inline: Percentiles) => ({
  diffMs: { p50: round1(outbox.p50 - inline.p50), p95: round1(outbox.p95 - inline.p95), p99: round1(outbox.p99 - inline.p99), mean: round1(outbox.mean - inline.mean) },
  ratio: { p50: round2(outbox.p50 / inline.p50), p95: round2(outbox.p95 / inline.p95), p99: round2(outbox.p99 / inline.p99), mean: round2(outbox.mean / inline.mean) },
});

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
      pending[variant].push(
        stacks[variant].post({ subject: offerSubject(tag), body: leadBody(tag) }, clientAddress(firstClient + slot)).then((sample) => ({ round, ...sample })),
      );
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
    const outboxStartup = (await stacks.outbox.ready()).startupMs;
    stacks.inline = new StackRunner('inline', checkout.dir, log);
    const inlineStartup = (await stacks.inline.ready()).startupMs;
    for (const stack of [stacks.outbox, stacks.inline]) {
      if ((await stack.importReps([benchRep])) !== 1) throw new Error(`the ${stack.name} stack did not add the benchmark's rep`);
    }
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
