import { statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Franchisee, FranchiseMap, TerritoryRow } from '#shared/franchise/franchise-map.ts';
import { toTerritoriesCsv } from '#shared/franchise/territories-csv.ts';
import { seeded } from './routing-decision.ts';

/**
 * `node bench/franchise-example.ts`: writes infra/stacks/franchise-at-scale.csv, a franchise of
 * 1,000 franchisees holding 100 US ZIP codes each, the same file from the same seed on every
 * machine. Each franchisee's codes lie in one two-digit area it shares with nine others, shuffled
 * among them, so no three-digit prefix belongs to one franchisee and every code is its own row:
 * the most rows such a franchise can need.
 */

const FRANCHISEES = 1_000;
const CODES_EACH = 100;
const SHARING_AN_AREA = 10;
const CITIES = ['Springfield', 'Riverside', 'Franklin', 'Greenville', 'Bristol', 'Clinton', 'Fairview', 'Salem', 'Madison', 'Georgetown', 'Arlington', 'Ashland', 'Dover', 'Oxford', 'Jackson', 'Milton'];

export function franchiseAtScale(seed = 2026): FranchiseMap {
  const r = seeded(seed);
  const franchisees: Franchisee[] = [];
  const territories: TerritoryRow[] = [];
  const areaSize = CODES_EACH * SHARING_AN_AREA;
  for (let area = 0; area < FRANCHISEES / SHARING_AN_AREA; area++) {
    const codes = Array.from({ length: areaSize }, (_, i) => String(area * areaSize + i).padStart(5, '0'));
    for (let i = codes.length - 1; i > 0; i--) {
      const j = r.int(0, i);
      [codes[i], codes[j]] = [codes[j]!, codes[i]!];
    }
    for (let k = 0; k < SHARING_AN_AREA; k++) {
      const number = String(area * SHARING_AN_AREA + k + 1).padStart(4, '0');
      const id = `f${number}`;
      franchisees.push({ id, name: `Franchise ${number} (${r.pick(CITIES)})`, managerEmail: `owner@${id}.franchise.example.com` });
      for (const prefix of codes.slice(k * CODES_EACH, (k + 1) * CODES_EACH)) territories.push({ franchisee: id, area: { kind: 'postal', country: 'US', prefix } });
    }
  }
  return { franchisees, territories };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'infra', 'stacks', 'franchise-at-scale.csv');
  writeFileSync(file, toTerritoriesCsv(franchiseAtScale()));
  const bytes = statSync(file).size;
  process.stdout.write(`${file}: ${FRANCHISEES} franchisees × ${CODES_EACH} ZIP codes, ${bytes} bytes (${(bytes / 1024 ** 2).toFixed(1)} MB)\n`);
}
