import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, arch, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeFranchiseMap } from '#shared/franchise/franchise-codec.ts';
import { franchiseAtScale } from './franchise-example.ts';
import { measureFranchiseLookup, measureImportCheck } from './franchise-lookup.ts';
import { measureOutboxLatency } from './outbox-latency.ts';
import { measureRosterReadUnits } from './roster-read-units.ts';
import { measureDecisions } from './routing-decision.ts';
import { measureBundles } from './bundles.ts';
import { measureSpeedToLead } from './speed-to-lead.ts';

// `npm run bench`: every benchmark, each result written to bench/results/<name>.json;
// `npm run bench -- outbox-latency` runs only the ones named. Numbers are for reading, not asserting.

const benchmarks = ['routing-decision', 'franchise-lookup', 'outbox-latency', 'roster-read-units', 'bundles', 'speed-to-lead'] as const;
const named = process.argv.slice(2);
const unknown = named.filter((name) => !(benchmarks as readonly string[]).includes(name));
if (unknown.length > 0) throw new Error(`no benchmark ${unknown.join(', ')} (there are: ${benchmarks.join(', ')})`);
const wanted = (name: (typeof benchmarks)[number]) => named.length === 0 || named.includes(name);

const machine = () => ({
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cpus: cpus().length,
  platform: platform(),
  arch: arch(),
  totalMemoryGB: Math.round(totalmem() / 1024 ** 3),
});

function write(name: string, result: object): string {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

const row = (cells: (string | number)[], first = 8) => cells.map((c, i) => String(c).padStart(i === 0 ? first : 12)).join(' ');

// Time one routing decision (classify + rank) at three roster sizes in one process, so the
// 10k/1k ratio compares like with like.
if (wanted('routing-decision')) {
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
    machine: machine(),
    runs,
    medianRatio10kTo1k: Math.round(ratio * 100) / 100,
  };
  const file = write('routing-decision', result);

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
}

// Which franchisee a lead belongs to, for maps of 100 to 100,000 postal codes in one process, so
// the 100k/100 ratio compares like with like; heap needs --expose-gc (the bench script passes it).
if (wanted('franchise-lookup')) {
  const runs = [100, 10_000, 100_000].map((postalCodes) => measureFranchiseLookup(postalCodes));
  const byCodes = (n: number) => runs.find((run) => run.postalCodes === n);
  const ratio = (byCodes(100_000)?.medianUs ?? NaN) / (byCodes(100)?.medianUs ?? NaN);

  const result = {
    benchmark: 'franchise-lookup',
    date: new Date().toISOString(),
    machine: machine(),
    runs,
    medianRatio100kTo100: Math.round(ratio * 100) / 100,
    // infra/stacks/franchise-at-scale.csv as a stack loads it, and what an import of it does
    // before its one write: read and check every row, compare with the current map, pack it.
    atScale: { franchisees: 1_000, zipCodesEach: 100, encodedBytes: encodeFranchiseMap(franchiseAtScale()).length, importCheckMs: measureImportCheck() },
  };
  const file = write('franchise-lookup', result);

  process.stdout.write(
    [
      `franchise lookup (postal prefix, region, country), ${result.machine.node}, ${result.machine.cpu}`,
      row(['codes', 'lookups', 'median µs', 'p95 µs', 'hit rate', 'heap MB', 'bytes', 'load ms', 'first ms']),
      ...runs.map((r) => row([r.postalCodes, r.lookups, r.medianUs, r.p95Us, r.hitRate, r.indexHeapMB ?? 'n/a', r.encodedBytes, r.loadMs, r.firstLoadMs])),
      `median 100k / 100: ${result.medianRatio100kTo100}x`,
      `1,000 franchisees × 100 ZIP codes (franchise-at-scale.csv) encoded: ${result.atScale.encodedBytes} bytes; an import checks, compares and packs it in ${result.atScale.importCheckMs} ms (median of 5)`,
      `written to ${file}`,
      '',
    ].join('\n'),
  );
}

// POST /leads to the offer email, outbox (current code) against the inline path before it
// (7e80002), both local stacks running at once and fed alternately. About 80 s.
if (wanted('outbox-latency')) {
  const started = Date.now();
  // Other work on the machine shows in the tails first; the load says how much there was.
  const loadAtStart = loadavg()[0] ?? NaN;
  const measured = await measureOutboxLatency();
  const result = {
    benchmark: 'outbox-latency',
    date: new Date().toISOString(),
    machine: machine(),
    loadAverage1m: { atStart: Math.round(loadAtStart * 100) / 100, atEnd: Math.round((loadavg()[0] ?? NaN) * 100) / 100 },
    durationS: Math.round((Date.now() - started) / 1000),
    ...measured,
  };
  const file = write('outbox-latency', result);

  const [outbox, inline] = result.variants;
  const ms = (n: number) => n.toFixed(1);
  const x = (n: number) => `${n.toFixed(2)}x`;
  const wide = 14;
  process.stdout.write(
    [
      `POST /leads → offer email, outbox (current) vs inline (${inline.commit.slice(0, 7)}), ${result.leadsPerStack} leads per stack at ${result.leadsPerSecondPerStack}/s each, interleaved ABBA`,
      row(['', 'offered', 'ack p50', 'ack p95', 'ack p99', 'offer p50', 'offer p95', 'offer p99'], wide),
      ...[outbox, inline].map((v) => row([v.variant, `${v.offered}/${v.posted}`, ms(v.ackMs.p50), ms(v.ackMs.p95), ms(v.ackMs.p99), ms(v.offerMs.p50), ms(v.offerMs.p95), ms(v.offerMs.p99)], wide)),
      row(['outbox-inline', '', ms(result.ack.diffMs.p50), ms(result.ack.diffMs.p95), ms(result.ack.diffMs.p99), ms(result.offer.diffMs.p50), ms(result.offer.diffMs.p95), ms(result.offer.diffMs.p99)], wide),
      row(['outbox/inline', '', x(result.ack.ratio.p50), x(result.ack.ratio.p95), x(result.ack.ratio.p99), x(result.offer.ratio.p50), x(result.offer.ratio.p95), x(result.offer.ratio.p99)], wide),
      `ms; per round (the two leads posted ${1000 / (2 * result.leadsPerSecondPerStack)} ms apart), offer outbox - inline: p50 ${ms(result.offer.pairedDiffMs.p50)}, p95 ${ms(result.offer.pairedDiffMs.p95)}`,
      `load average (1 min) ${result.loadAverage1m.atStart} at start, ${result.loadAverage1m.atEnd} at end, on ${result.machine.cpus} cpus`,
      `fast path off: not measured (${result.fastPathOff.reason})`,
      `written to ${file}`,
      '',
    ].join('\n'),
  );
}

// DynamoDB read units per routed lead with one team of 10, 1,000 and 20,000 reps: the route use
// case on the real stores and roster cache against DynamoDB Local, every answer's consumed
// capacity summed. About two minutes.
if (wanted('roster-read-units')) {
  const started = Date.now();
  const measured = await measureRosterReadUnits();
  const result = {
    benchmark: 'roster-read-units',
    date: new Date().toISOString(),
    machine: machine(),
    durationS: Math.round((Date.now() - started) / 1000),
    ...measured,
  };
  const file = write('roster-read-units', result);

  process.stdout.write(
    [
      `read units per routed lead, ${result.leadsPerSize} leads per team over ${result.spreadS} s, roster refreshed every ${result.roster.ttlMs / 1000} s, ${result.dynamodb}`,
      row(['reps', 'first read', 'per lead', 'changes', 'reps read', 'refused', 'offered', 'whole-team'], 8),
      ...result.runs.map((r) =>
        row([r.reps, r.firstFullRead.readUnits, r.steady.readUnitsPerLead, r.steady.changeReads, r.steady.changedRepsRead, r.steady.refusedOffers, r.steady.offered, r.wholeTeamEvery5sEstimatePerLead], 8),
      ),
      `per lead, ${result.runs.at(-1)?.reps} / ${result.runs[0]?.reps} reps: ${result.steadyRatioLargestToSmallest}x (whole-team: per lead, estimated, had every 5 s refresh re-read the whole team)`,
      `ConsumedCapacity fields seen: ${result.consumedCapacityShapes.join(' | ')}`,
      `written to ${file}`,
      '',
    ].join('\n'),
  );
}

// Each function's bundle as the stack builds it: its size, what fills it, and its module init in
// a fresh Node process next to an empty handler's, round-robin over 7 rounds. About a minute.
if (wanted('bundles')) {
  const runs = await measureBundles();
  const empty = runs.find((run) => run.fn === 'empty-handler')!;
  const result = { benchmark: 'bundles', date: new Date().toISOString(), machine: machine(), loadAverage1m: Math.round((loadavg()[0] ?? NaN) * 100) / 100, runs };
  const file = write('bundles', result);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
  process.stdout.write(
    [
      `function bundles (minified ESM, the AWS SDK from the runtime) and module init, median of 7 fresh processes, ${result.machine.node}`,
      row(['function', 'bundle', 'init ms', 'init cpu ms', 'process ms', 'x empty', 'largest inputs'], 14),
      ...runs.map((r) =>
        [
          row([r.fn, kb(r.bytes), r.initMedianMs, r.initCpuMedianMs, Math.round(r.processMedianMs), `${(r.processMedianMs / empty.processMedianMs).toFixed(1)}x`], 14),
          r.largest.map((input) => `${input.input} ${kb(input.bytes)}`).join(', '),
        ].join('  '),
      ),
      'process ms: the whole cold process (Node starting, then the import), against the empty handler\'s',
      `written to ${file}`,
      '',
    ].join('\n'),
  );
}

// A partner's signed leads on one local stack with 100 more reps: POST to the webhook's answer and
// to the offer email, at 2, 10, 20 and 50 leads/s and in a burst of 500, one after the other.
// About four minutes.
if (wanted('speed-to-lead')) {
  const started = Date.now();
  const loadAtStart = loadavg()[0] ?? NaN;
  const measured = await measureSpeedToLead();
  const result = {
    benchmark: 'speed-to-lead',
    date: new Date().toISOString(),
    machine: machine(),
    loadAverage1m: { atStart: Math.round(loadAtStart * 100) / 100, atEnd: Math.round((loadavg()[0] ?? NaN) * 100) / 100 },
    durationS: Math.round((Date.now() - started) / 1000),
    ...measured,
  };
  const file = write('speed-to-lead', result);
  const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');
  const wide = 10;
  process.stdout.write(
    [
      `speed to lead: signed partner posts (${result.source}) -> offer email, ${result.extraReps} extra reps, one stack, ${result.machine.cpus} cpus`,
      row(['rate/s', 'leads', 'lost', 'ack p50', 'ack p95', 'ack p99', 'offer p50', 'offer p95', 'offer p99', 'offer max', 'load'], wide),
      ...result.phases.map((p) =>
        row(
          [
            p.rate === 'burst' ? `burst/${p.concurrency}` : p.rate,
            p.leads,
            p.lost,
            ms(p.ack.p50),
            ms(p.ack.p95),
            ms(p.ack.p99),
            ms(p.offer.p50),
            ms(p.offer.p95),
            ms(p.offer.p99),
            ms(p.offer.max),
            `${p.loadAverage1m.atStart}-${p.loadAverage1m.atEnd}`,
          ],
          wide,
        ),
      ),
      `ms; offer p95 at 20/s over 2/s: ${result.offerP95Ratio20To2}x; load average (1 min) ${result.loadAverage1m.atStart} at start, ${result.loadAverage1m.atEnd} at end; ${result.durationS} s`,
      `written to ${file}`,
      '',
    ].join('\n'),
  );
}
