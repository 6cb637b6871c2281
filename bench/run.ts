import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, arch, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm run bench`: every benchmark of the performance page, each in a fresh Node process one
// after the other (so none runs on modules or a heap another left behind), each result written
// to bench/results/<name>.json, then docs/BENCHMARKS.md rewritten from the results.
// `npm run bench -- handler-floor bundles` runs only the ones named, in this process, and
// rewrites the page too. Numbers are for reading, not asserting.
// Each benchmark's module is loaded only when it runs: handler-floor sets the functions'
// environment before the shared modules (clients, logger, metrics) load and read it.

const benchmarks = ['speed-to-lead', 'handler-floor', 'bundles', 'routing-decision', 'cost-per-lead', 'franchise-lookup', 'outbox-latency', 'roster-read-units'] as const;
/**
 * What `npm run bench` runs: the page's figures, in about eight minutes on the development
 * machine. The other two compare against code that is long gone (the inline path before the
 * outbox) or an access pattern already settled (roster reads per lead), and run by name.
 */
const defaults: readonly (typeof benchmarks)[number][] = ['speed-to-lead', 'handler-floor', 'bundles', 'routing-decision', 'cost-per-lead', 'franchise-lookup'];
const named = process.argv.slice(2);
const unknown = named.filter((name) => !(benchmarks as readonly string[]).includes(name));
if (unknown.length > 0) throw new Error(`no benchmark ${unknown.join(', ')} (there are: ${benchmarks.join(', ')})`);
const wanted = (name: (typeof benchmarks)[number]) => named.includes(name);

if (named.length === 0) {
  const started = Date.now();
  for (const name of defaults) {
    const run = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), name], { stdio: 'inherit', env: { ...process.env, BENCH_REPORT: 'no' } });
    if (run.status !== 0) {
      process.stderr.write(`benchmark ${name} failed (exit ${run.status ?? run.signal}); the page keeps its last results\n`);
      process.exitCode = 1;
    }
  }
  process.stdout.write(`all benchmarks in ${Math.round((Date.now() - started) / 1000)} s\n`);
}

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

// Time one routing decision (classify, then the first rep in line) at roster sizes from 10 to
// 100,000 in one process, the roster index next to the plain check-and-sort it replaced on the
// same leads, so the 100k/100 ratios compare like with like.
if (wanted('routing-decision')) {
  const { measureDecisions } = await import('./routing-decision.ts');

  const sizes = [
    { reps: 10, iterations: 5_000 },
    { reps: 100, iterations: 5_000 },
    { reps: 1_000, iterations: 2_000 },
    { reps: 10_000, iterations: 500 },
    { reps: 100_000, iterations: 200 },
  ];

  const runs = sizes.map(({ reps, iterations }) => measureDecisions(reps, iterations, 5_000));
  const byReps = (n: number) => runs.find((run) => run.reps === n);
  const ratio = (way: 'indexed' | 'naive', top: number, bottom: number) =>
    Math.round(((byReps(top)?.[way].medianUs ?? NaN) / (byReps(bottom)?.[way].medianUs ?? NaN)) * 100) / 100;

  const result = {
    benchmark: 'routing-decision',
    date: new Date().toISOString(),
    machine: machine(),
    loadAverage1m: Math.round((loadavg()[0] ?? NaN) * 100) / 100,
    runs,
    medianRatio100kTo100: { indexed: ratio('indexed', 100_000, 100), naive: ratio('naive', 100_000, 100) },
    medianRatio10kTo1k: { indexed: ratio('indexed', 10_000, 1_000), naive: ratio('naive', 10_000, 1_000) },
  };
  const file = write('routing-decision', result);

  process.stdout.write(
    [
      `routing decision (classify + first rep in line), roster index vs check every rep and sort, ${result.machine.node}, ${result.machine.cpu}`,
      row(['reps', 'naive runs', 'index µs', 'index p95', 'visited', 'naive µs', 'naive p95', 'eligible', 'build ms', '+orders ms', 'index MB', 'mismatch']),
      ...runs.map((r) =>
        row([r.reps, r.iterations, r.indexed.medianUs, r.indexed.p95Us, r.indexed.meanVisited, r.naive.medianUs, r.naive.p95Us, r.naive.meanEligible, r.indexBuildMs, r.otherOrdersBuildMs, r.indexHeapMB ?? 'n/a', r.mismatches]),
      ),
      `median 100k / 100: index ${result.medianRatio100kTo100.indexed}x, naive ${result.medianRatio100kTo100.naive}x`,
      `median 10k / 1k: index ${result.medianRatio10kTo1k.indexed}x, naive ${result.medianRatio10kTo1k.naive}x`,
      `written to ${file}`,
      '',
    ].join('\n'),
  );
}

// Which franchisee a lead belongs to, for maps of 100 to 100,000 postal codes in one process, so
// the 100k/100 ratio compares like with like; heap needs --expose-gc (the bench script passes it).
if (wanted('franchise-lookup')) {
  const { encodeFranchiseMap } = await import('#shared/franchise/franchise-codec.ts');
  const { franchiseAtScale } = await import('./franchise-example.ts');
  const { measureFranchiseLookup, measureImportCheck } = await import('./franchise-lookup.ts');

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
  const { measureOutboxLatency } = await import('./outbox-latency.ts');

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
  const { measureRosterReadUnits } = await import('./roster-read-units.ts');

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
  const { measureBundles } = await import('./bundles.ts');

  const runs = await measureBundles();
  const empty = runs.find((run) => run.fn === 'empty-handler')!;
  const result = { benchmark: 'bundles', date: new Date().toISOString(), machine: machine(), loadAverage1m: Math.round((loadavg()[0] ?? NaN) * 100) / 100, runs };
  const file = write('bundles', result);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
  process.stdout.write(
    [
      `function bundles (minified ESM, the AWS SDK from the runtime) and module init, median of 7 fresh processes, ${result.machine.node}`,
      row(['function', 'bundle', 'beside it', 'init ms', 'init cpu ms', 'process ms', 'x empty', 'largest inputs'], 14),
      ...runs.map((r) =>
        [
          row([r.fn, kb(r.bytes), kb(r.besideBytes), r.initMedianMs, r.initCpuMedianMs, Math.round(r.processMedianMs), `${(r.processMedianMs / empty.processMedianMs).toFixed(1)}x`], 14),
          r.largest.map((input) => `${input.input} ${kb(input.bytes)}`).join(', '),
        ].join('  '),
      ),
      'process ms: the whole cold process (Node starting, then the import), against the empty handler\'s',
      'beside it: files in the package the code reads on demand after its init (phone metadata, stylesheet)',
      `written to ${file}`,
      '',
    ].join('\n'),
  );
}

// A partner's signed leads on one local stack with 100 more reps: POST to the webhook's answer and
// to the offer email, at 2, 10, 20 and 50 leads/s and in a burst of 500, one after the other.
// About four minutes.
if (wanted('speed-to-lead')) {
  const { measureSpeedToLead } = await import('./speed-to-lead.ts');

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

// What a lead costs on the happy path (post, route, offer email, accept, contacted, its SLA timer
// run out): every call of the functions to the emulators metered, every invocation timed, priced
// at list prices. About three minutes.
if (wanted('cost-per-lead')) {
  const { measureCostPerLead } = await import('./cost-per-lead.ts');

  const started = Date.now();
  const loadAtStart = loadavg()[0] ?? NaN;
  const measured = await measureCostPerLead();
  const result = {
    benchmark: 'cost-per-lead',
    date: new Date().toISOString(),
    machine: machine(),
    loadAverage1m: { atStart: Math.round(loadAtStart * 100) / 100, atEnd: Math.round((loadavg()[0] ?? NaN) * 100) / 100 },
    durationS: Math.round((Date.now() - started) / 1000),
    ...measured,
  };
  const file = write('cost-per-lead', result);
  const r = result.requestsPerLead;
  const usd = (n: number) => `$${n.toFixed(4)}`;
  const wide = 16;
  process.stdout.write(
    [
      `cost per lead, happy path (post, route, offer email, accept page, accept, contacted, SLA timer to its end), ${result.leads} leads after ${result.warmUpLeads} warm-up, TIME_SCALE ${result.timeScale}`,
      `${result.happyPathLeads}/${result.leads} leads took exactly the happy path${result.otherHistories.length ? ` (others: ${result.otherHistories.join('; ')})` : ''}; timers: ${JSON.stringify(result.timerExecutions)}`,
      'per lead, by function (DynamoDB units as AWS bills them):',
      row(['function', 'MB', 'invocations', 'median ms', 'GB-s', 'RRU', 'WRU', 'refused WRU', 'DDB calls'], wide),
      ...result.functions.map((f) => row([f.fn, f.memoryMB, f.invocationsPerLead, f.medianMs, f.gbSecondsPerLead, f.dynamodb.readUnits, f.dynamodb.writeUnits, f.dynamodb.refusedWriteUnits, f.dynamodb.calls], wide)),
      row(['all', '', r.lambdaInvocations, '', r.lambdaGbSeconds, result.dynamodbPerLead.readUnits, result.dynamodbPerLead.writeUnits, result.dynamodbPerLead.refusedWriteUnits, result.dynamodbPerLead.calls], wide),
      'per lead, by function and DynamoDB operation (RRU / WRU / calls):',
      ...result.functions.map((f) => `  ${f.fn}: ${Object.entries(f.dynamodbByOperation).map(([op, c]) => `${op} ${c.readUnits}/${c.writeUnits}/${c.calls}`).join(', ')}${Object.keys(f.otherCalls).length ? `; ${Object.entries(f.otherCalls).map(([op, n]) => `${op} ${n}`).join(', ')}` : ''}`),
      `requests per lead: HTTP API ${r.httpApiRequests}; SQS by functions ${JSON.stringify(r.sqsByFunctions)}, by the event source poller ${JSON.stringify(r.sqsByEventSourcePoller)} (${r.sqsEmptyReceivesByPoller} empty); SES ${r.sesEmails}; Step Functions ${r.sfnExecutions} executions, ${r.sfnStateTransitions} transitions (${result.slaTimer.mainPath.join(' > ')}); stream reads by the poller ${JSON.stringify(r.dynamodbStreamsReadsByPoller)} (free on AWS)`,
      `sweeper: ${result.sweeper.invocations} runs in the ${result.windowS} s window (scaled schedule), median ${result.sweeper.medianMs} ms at ${result.sweeper.memoryMB} MB; a run that recounts loads (${result.sweeper.recountRuns.runs} seen): ${result.sweeper.recountRuns.readUnits} RRU, ${result.sweeper.recountRuns.writeUnits} WRU, ${result.sweeper.recountRuns.calls} calls; one that does not (${result.sweeper.plainRuns.runs}): ${result.sweeper.plainRuns.readUnits} RRU, ${result.sweeper.plainRuns.writeUnits} WRU, ${result.sweeper.plainRuns.refusedWriteUnits} refused WRU, ${result.sweeper.plainRuns.calls} calls`,
      `  at once a minute, every run recounting: ${usd(result.sweeper.usdPerMonth)} a month; per 1,000 leads ${Object.entries(result.sweeper.usdPer1000LeadsAt).map(([at, v]) => `${usd(v)} at ${at}`).join(', ')}`,
      'cost per 1,000 leads (us-east-1 list prices, no free tier):',
      row(['item', 'quantity', 'USD'], 44),
      ...result.costPer1000Leads.lines.map((line) => row([line.item, line.quantityPer1000Leads, usd(line.usdPer1000Leads)], 44)),
      row(['total', '', usd(result.costPer1000Leads.usd)], 44),
      `by service: ${Object.entries(result.costPer1000Leads.byService).map(([service, v]) => `${service} ${usd(v)}`).join(', ')}`,
      `load average (1 min) ${result.loadAverage1m.atStart} at start, ${result.loadAverage1m.atEnd} at end, on ${result.machine.cpus} cpus`,
      `written to ${file}`,
      '',
    ].join('\n'),
  );
}

// Each happy-path handler's warm invocation against the bare SDK calls it makes, the same requests
// to the same emulators, invocation by invocation. About two minutes.
if (wanted('handler-floor')) {
  const { measureHandlerFloor } = await import('./handler-floor.ts');

  const started = Date.now();
  const loadAtStart = loadavg()[0] ?? NaN;
  const measured = await measureHandlerFloor();
  const result = {
    benchmark: 'handler-floor',
    date: new Date().toISOString(),
    machine: machine(),
    loadAverage1m: { atStart: Math.round(loadAtStart * 100) / 100, atEnd: Math.round((loadavg()[0] ?? NaN) * 100) / 100 },
    durationS: Math.round((Date.now() - started) / 1000),
    ...measured,
  };
  const file = write('handler-floor', result);
  const wide = 26;
  process.stdout.write(
    [
      `handler time against its SDK floor (the same calls by bare clients), median of ${result.leads} leads after ${result.warmUpLeads} warm-up, ${result.machine.node}`,
      row(['step', 'handler ms', 'floor ms', 'ratio', 'calls', 'mismatches'], wide),
      ...result.steps.map((s) => row([s.step, s.handlerMedianMs, s.floorMedianMs, `${s.ratio}x`, s.calls, s.outcomeMismatches], wide)),
      'by function (all its steps):',
      ...result.byFunction.map((f) => row([f.fn, f.handlerMedianMs, f.floorMedianMs, `${f.ratio}x`, f.samples], wide)),
      `load average (1 min) ${result.loadAverage1m.atStart} at start, ${result.loadAverage1m.atEnd} at end, on ${result.machine.cpus} cpus`,
      `written to ${file}`,
      '',
    ].join('\n'),
  );
}

// The page, from whatever results there are now (each section names its run's date).
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
if (named.length === 0 || process.env.BENCH_REPORT !== 'no') {
  const { writeReport } = await import('./report.ts');
  process.stdout.write(`${writeReport(resultsDir, join(dirname(fileURLToPath(import.meta.url)), '..', 'docs'))} rewritten\n`);
}
