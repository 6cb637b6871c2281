import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * docs/BENCHMARKS.md and its charts, from the results in bench/results/: `npm run bench` writes
 * them after a full run, so every figure on the page is from that run unless its section says
 * otherwise (each section names its date and the machine's load). Nothing here measures.
 */

type Json = Record<string, any>; // results as written by the benchmarks: read here, not typed twice

export interface Report {
  readonly markdown: string;
  /** File name under docs/ → SVG text. */
  readonly charts: Readonly<Record<string, string>>;
}

const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const kb = (bytes: number) => `${fmt(bytes / 1024)} KB`;
/** A markdown table; the columns in `left` (the first by default) hold text, the others figures. */
const table = (head: readonly string[], rows: readonly (readonly (string | number)[])[], left: readonly number[] = [0]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (left.includes(i) ? '---' : '---:')).join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
const when = (result: Json) => {
  const load = result.loadAverage1m;
  const loadText = typeof load === 'number' ? `load ${load}` : load && typeof load === 'object' ? `load ${load.atStart} → ${load.atEnd}` : undefined;
  return `_${result.date?.slice(0, 16).replace('T', ' ')} UTC, Node ${result.machine?.node?.replace(/^v/, '')} on ${result.machine?.cpus} cores${loadText ? `, ${loadText} (1 min)` : ''}._`;
};

function read(dir: string, name: string): Json | undefined {
  const file = join(dir, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Json) : undefined;
}

/** A grouped bar chart: one group per category, one bar per series, values on a linear axis. */
export function barChart(options: {
  readonly title: string;
  readonly unit: string;
  readonly categories: readonly string[];
  readonly series: readonly { readonly name: string; readonly values: readonly number[] }[];
}): string {
  const width = 720;
  const height = 360;
  const margin = { top: 48, right: 16, bottom: 56, left: 64 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const max = Math.max(1, ...options.series.flatMap((s) => s.values.filter(Number.isFinite)));
  const step = niceStep(max / 5);
  const top = Math.ceil(max / step) * step;
  const y = (v: number) => margin.top + plotH - (v / top) * plotH;
  const colors = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b'];
  const groupW = plotW / options.categories.length;
  const barW = (groupW * 0.8) / options.series.length;
  const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(options.title)}</text>`,
  ];
  for (let v = 0; v <= top + 1e-9; v += step) {
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  parts.push(`<text x="16" y="${margin.top + plotH / 2}" transform="rotate(-90 16 ${margin.top + plotH / 2})" text-anchor="middle">${esc(options.unit)}</text>`);
  options.categories.forEach((category, i) => {
    const x0 = margin.left + i * groupW + groupW * 0.1;
    options.series.forEach((series, j) => {
      const value = series.values[i];
      if (value === undefined || !Number.isFinite(value)) return;
      const x = x0 + j * barW;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y(value).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(margin.top + plotH - y(value)).toFixed(1)}" fill="${colors[j % colors.length]}"><title>${esc(`${series.name}, ${category}: ${fmt(value)} ${options.unit}`)}</title></rect>`);
      // Each bar's figure above it, so the short ones still read.
      parts.push(`<text x="${(x + (barW - 2) / 2).toFixed(1)}" y="${(y(value) - 4).toFixed(1)}" text-anchor="middle" font-size="9">${fmt(value)}</text>`);
    });
    parts.push(`<text x="${(x0 + groupW * 0.4).toFixed(1)}" y="${margin.top + plotH + 18}" text-anchor="middle">${esc(category)}</text>`);
  });
  options.series.forEach((series, j) => {
    const x = margin.left + j * 110;
    parts.push(`<rect x="${x}" y="${height - 22}" width="12" height="12" fill="${colors[j % colors.length]}"/><text x="${x + 16}" y="${height - 12}">${esc(series.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
}

export function renderReport(resultsDir: string): Report {
  const sections: string[] = [];
  const charts: Record<string, string> = {};

  const speed = read(resultsDir, 'speed-to-lead');
  if (speed) sections.push(speedSection(speed, charts));

  const bundles = read(resultsDir, 'bundles');
  if (bundles) {
    const empty = bundles.runs.find((run: Json) => run.fn === 'empty-handler');
    const rows = bundles.runs
      .filter((run: Json) => run.fn !== 'empty-handler')
      .map((run: Json) => [
        run.fn,
        kb(run.bytes),
        run.besideBytes ? kb(run.besideBytes) : '–',
        fmt(run.initMedianMs, 1),
        empty ? `${fmt(run.processMedianMs / empty.processMedianMs, 1)}×` : '–',
        run.largest.slice(0, 3).map((input: Json) => `${input.input} ${kb(input.bytes)}`).join(', '),
      ]);
    sections.push(
      [
        '## Bundles and module init',
        '`npm run bench -- bundles`: each function bundled as the stack bundles it (minified ESM, the AWS SDK left to the runtime), loaded in fresh Node processes with its configuration and secrets answered at the SDK endpoint.',
        when(bundles),
        table(['function', 'bundle (index.mjs)', 'beside it, read on demand', 'module init ms', 'cold process vs empty handler', 'largest inputs'], rows, [0, 5]),
        empty ? `An empty handler's module init: ${fmt(empty.initMedianMs, 1)} ms; its whole cold process ${fmt(empty.processMedianMs, 1)} ms.` : '',
      ].join('\n\n'),
    );
  }

  const floor = read(resultsDir, 'handler-floor');
  if (floor) {
    sections.push(
      [
        '## Handler time against its SDK floor',
        "`npm run bench -- handler-floor`: each handler's warm invocation, median, against the same DynamoDB, SQS, SES and Step Functions requests sent by bare SDK clients to the same emulators in the same run.",
        when(floor),
        table(
          ['step', 'handler ms', 'SDK floor ms', 'ratio'],
          floor.steps.map((step: Json) => [step.step, fmt(step.handlerMedianMs, 1), fmt(step.floorMedianMs, 1), `${fmt(step.ratio, 2)}×`]),
        ),
        `By function: ${floor.byFunction.map((f: Json) => `${f.fn.replace(/Function$/, '').toLowerCase()} ${fmt(f.ratio, 2)}×`).join(', ')}.`,
      ].join('\n\n'),
    );
  }

  const decision = read(resultsDir, 'routing-decision');
  if (decision) {
    sections.push(
      [
        '## Routing decision by team size',
        '`npm run bench -- routing-decision`: classify a lead and find the first rep to offer it to, through the roster index, next to the plain check-every-rep-and-sort in the same run.',
        when(decision),
        table(
          ['reps', 'indexed µs (median)', 'naive µs (median)', 'reps checked', 'index build ms'],
          decision.runs.map((run: Json) => [fmt(run.reps), fmt(run.indexed.medianUs, 1), fmt(run.naive.medianUs, 1), fmt(run.indexed.meanVisited), fmt(run.indexBuildMs, 1)]),
        ),
        `100,000 reps against 100: indexed ${decision.medianRatio100kTo100.indexed}×, naive ${decision.medianRatio100kTo100.naive}×.`,
      ].join('\n\n'),
    );
  }

  const cost = read(resultsDir, 'cost-per-lead');
  if (cost) sections.push(costSection(cost));

  const lookup = read(resultsDir, 'franchise-lookup');
  if (lookup) {
    sections.push(
      [
        '## Franchise territory lookup',
        '`npm run bench -- franchise-lookup`: which franchisee holds a lead\'s postal code, for maps of 100 to 100,000 postal codes.',
        when(lookup),
        table(
          ['postal codes', 'franchisees', 'median µs', 'p95 µs', 'index MB'],
          lookup.runs.map((run: Json) => [fmt(run.postalCodes), fmt(run.franchisees), fmt(run.medianUs, 3), fmt(run.p95Us, 3), fmt(run.indexHeapMB, 2)]),
        ),
        `100,000 against 100: ${lookup.medianRatio100kTo100}×.`,
      ].join('\n\n'),
    );
  }

  const units = read(resultsDir, 'roster-read-units');
  if (units) {
    sections.push(
      [
        '## Roster reads per routed lead',
        '`npm run bench -- roster-read-units`: read units the router spends per lead on its cached roster, by team size.',
        when(units),
        table(
          ['reps', 'read units per lead', 'first whole read (units)', 'route p50 ms'],
          units.runs.map((run: Json) => [fmt(run.reps), fmt(run.steady.readUnitsPerLead, 2), fmt(run.firstFullRead.readUnits, 1), fmt(run.steady.routeMsP50, 1)]),
        ),
      ].join('\n\n'),
    );
  }

  const markdown = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` from `bench/results/*.json`; `npm run bench -- <name>` reruns one and rewrites this page. Figures are from the machine named under each section, a shared two-core VM: compare figures within one section, where they were measured in the same run.',
    '',
    sections.join('\n\n'),
    '',
  ].join('\n');
  return { markdown, charts };
}

/** `{ ingest: 4, route: 4, admin: 1 }` → `ingest 4, route 4, admin 1`. */
const describeEnvironments = (byFunction: Json | undefined): string =>
  Object.entries((byFunction ?? {}) as Record<string, number>)
    .map(([fn, n]) => `${fn} ${n}`)
    .join(', ');

function speedSection(speed: Json, charts: Record<string, string>): string {
  const runs: Json[] = speed.phases.map((phase: Json) => ({ ...phase, label: phase.rate === 'burst' ? `burst of ${phase.leads}` : `${phase.rate}/s` }));
  charts['speed-to-lead.svg'] = barChart({
    title: 'POST → offer email on the local stack',
    unit: 'ms',
    categories: runs.map((run) => run.label),
    series: [
      { name: 'p50', values: runs.map((run) => run.offer.p50) },
      { name: 'p95', values: runs.map((run) => run.offer.p95) },
      { name: 'p99', values: runs.map((run) => run.offer.p99) },
    ],
  });
  return [
    '## Speed to lead',
    `\`npm run bench -- speed-to-lead\`: leads from a signed partner source (${speed.source}) posted to one local stack with ${speed.extraReps} extra reps imported, the webhook's answer (ack) and the offer email in the inbox timed per lead in ms, each rate after the other in one run, after ${speed.warmUpLeads} warm-up leads${speed.warmUpBurst ? ` and a warm-up burst of ${speed.warmUpBurst.leads} (${speed.warmUpBurst.concurrency} in flight), so every function on a lead's path runs its environments (${describeEnvironments(speed.environmentsWarm)}) before measuring, as a busy function stays scaled on Lambda` : ''}.`,
    when(speed),
    '![POST to offer email, p50/p95/p99 per rate](speed-to-lead.svg)',
    table(
      ['rate', 'leads', 'ack p50', 'ack p95', 'ack p99', 'offer p50', 'offer p95', 'offer p99', 'lost', 'cold starts'],
      runs.map((run) => [
        run.label,
        fmt(run.leads),
        fmt(run.ack.p50),
        fmt(run.ack.p95),
        fmt(run.ack.p99),
        fmt(run.offer.p50),
        fmt(run.offer.p95),
        fmt(run.offer.p99),
        fmt(run.lost),
        run.environmentsStarted ? describeEnvironments(run.environmentsStarted) || '0' : '',
      ]),
    ),
    'Cold starts: the execution environments a phase started, by function. Here each takes about half a second of the two cores every other environment shares; on Lambda it has its own.',
    speed.offerP95Ratio20To2 !== undefined ? `POST → offer p95 at 20 leads/s against 2 leads/s: ${speed.offerP95Ratio20To2}×.` : '',
  ].join('\n\n');
}

function costSection(cost: Json): string {
  const prices: Json = cost.prices;
  const perLead = cost.dynamodbPerLead;
  const r = cost.requestsPerLead;
  return [
    '## What a lead costs',
    `\`npm run bench -- cost-per-lead\`: ${cost.leads} leads through the happy path (post, route, offer email, accept, contacted, the SLA timer to its end) on the local stack, every call of the functions metered at the emulators (DynamoDB asked for \`ReturnConsumedCapacity: TOTAL\`), priced at list prices.`,
    when(cost),
    table(
      ['function', 'invocations per lead', 'read units', 'write units', 'DynamoDB calls'],
      [
        ...cost.functions.map((f: Json) => [f.fn.replace(/Function$/, '').toLowerCase(), fmt(f.invocationsPerLead, 2), fmt(f.dynamodb.readUnits, 2), fmt(f.dynamodb.writeUnits, 1), fmt(f.dynamodb.calls, 1)]),
        ['**all**', fmt(r.lambdaInvocations, 2), fmt(perLead.readUnits, 2), fmt(perLead.writeUnits, 1), fmt(perLead.calls, 1)],
      ],
    ),
    `Per lead besides: ${fmt(r.httpApiRequests)} HTTP API requests, ${fmt(r.sesEmails)} email, ${fmt(r.sfnExecutions)} timer with ${fmt(r.sfnStateTransitions)} state transitions, ${fmt(r.lambdaGbSeconds, 3)} GB-seconds of Lambda.`,
    '**Cost per 1,000 leads** (us-east-1, no free tier):',
    table(
      ['item', 'quantity', 'USD', 'price'],
      [
        ...cost.costPer1000Leads.lines.map((line: Json) => [line.item, fmt(line.quantityPer1000Leads, 1), `$${fmt(line.usdPer1000Leads, 4)}`, prices[line.price]?.listed ?? line.price]),
        ['**total**', '', `**$${fmt(cost.costPer1000Leads.usd, 3)}**`, ''],
      ],
      [0, 3],
    ),
    'Prices, with where and when each was taken:',
    Object.entries(prices)
      .map(([name, price]) => `- ${name}: ${(price as Json).listed}; ${(price as Json).source}, taken ${(price as Json).takenOn}${(price as Json).note ? ` (${(price as Json).note})` : ''}`)
      .join('\n'),
  ].join('\n\n');
}

/** Renders the report and writes docs/BENCHMARKS.md and its charts; returns the markdown's path. */
export function writeReport(resultsDir: string, docsDir: string): string {
  const { markdown, charts } = renderReport(resultsDir);
  mkdirSync(docsDir, { recursive: true });
  const file = join(docsDir, 'BENCHMARKS.md');
  writeFileSync(file, markdown);
  for (const [name, svg] of Object.entries(charts)) writeFileSync(join(dirname(file), name), svg);
  return file;
}
