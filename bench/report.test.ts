import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { barChart, renderReport } from './report.ts';

const machine = { node: 'v24.21.0', cpus: 2 };

describe('the benchmarks page', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('given speed-to-lead results, when rendered, then the page has a row per rate with its figures and the chart has a bar per figure', () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    const phase = (rate: number | 'burst', p95: number, environmentsStarted: Record<string, number> = {}) => ({
      rate,
      leads: 100,
      ack: { p50: 10, p95: 20, p99: 30 },
      offer: { p50: p95 / 2, p95, p99: p95 + 1 },
      lost: 0,
      environmentsStarted,
    });
    writeFileSync(
      join(dir, 'speed-to-lead.json'),
      JSON.stringify({
        date: '2026-12-02T03:09:00.000Z',
        machine,
        loadAverage1m: { atStart: 1.5, atEnd: 2 },
        source: 'partner-api',
        extraReps: 100,
        warmUpLeads: 20,
        warmUpBurst: { leads: 60, concurrency: 12 },
        environmentsWarm: { ingest: 4, route: 4, admin: 1 },
        phases: [phase(2, 80), phase(20, 2_400, { route: 1 }), phase('burst', 2_600, { ingest: 2, route: 1 })],
        offerP95Ratio20To2: 30,
      }),
    );

    const { markdown, charts } = renderReport(dir);

    expect(markdown).toContain('## Speed to lead');
    expect(markdown).toContain('| 2/s | 100 | 10 | 20 | 30 | 40 | 80 | 81 | 0 | 0 |');
    expect(markdown).toContain('| 20/s | 100 | 10 | 20 | 30 | 1,200 | 2,400 | 2,401 | 0 | route 1 |');
    expect(markdown).toContain('| burst of 100 | 100 | 10 | 20 | 30 | 1,300 | 2,600 | 2,601 | 0 | ingest 2, route 1 |');
    expect(markdown).toContain('a warm-up burst of 60 (12 in flight), so every function on a lead\'s path runs its environments (ingest 4, route 4, admin 1)');
    expect(markdown).toContain('POST → offer p95 at 20 leads/s against 2 leads/s: 30×.');
    expect(markdown).toContain('load 1.5 → 2 (1 min)');
    expect(markdown).not.toContain('## Bundles');
    const svg = charts['speed-to-lead.svg']!;
    expect(svg.match(/<rect [^>]*fill="#(4c78a8|f58518|e45756)"><title>/g)).toHaveLength(9);
    expect(svg).toContain('<title>p95, 20/s: 2,400 ms</title>');
  });

  it('given no results at all, when rendered, then the page says how to get them and has no sections or charts', () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-report-'));

    const { markdown, charts } = renderReport(dir);

    expect(markdown).toContain('Written by `npm run bench`');
    expect(markdown).not.toContain('## ');
    expect(charts).toEqual({});
  });

  it('given values of different sizes, when charted, then bar heights are in proportion and text is escaped', () => {
    const svg = barChart({ title: 'a < b & c', unit: 'ms', categories: ['x'], series: [{ name: 'one', values: [50] }, { name: 'two', values: [100] }] });

    const heights = [...svg.matchAll(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)" fill="[^"]+"><title>/g)].map((m) => Number(m[1]));
    expect(heights).toHaveLength(2);
    expect(heights[1]! / heights[0]!).toBeCloseTo(2, 5);
    expect(svg).toContain('a &lt; b &amp; c');
  });
});
