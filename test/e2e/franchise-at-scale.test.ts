import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#infra/local/start.ts';
import { loadStackConfig } from '#shared/config/stack-config.ts';
import { territoriesFileOf } from '#shared/config/territories-file.ts';
import { startTestStack } from './test-stack.ts';

/**
 * The example franchise at scale (infra/stacks/franchise-at-scale.json, made by
 * bench/franchise-example.ts): 1,000 franchisees of 100 ZIP codes each, loaded into the stack's
 * table when it starts. Sampled ZIP codes reach the franchisee that holds them, in the simulator
 * and for real.
 */

const CONFIG = fileURLToPath(new URL('../../infra/stacks/franchise-at-scale.json', import.meta.url));
// Read as the stack reads it when it starts (and parsed once for both: the file is 100,000 rows).
const { territories } = territoriesFileOf(CONFIG, loadStackConfig(CONFIG))!.map;
/** Every 2,000th territory: 50 ZIP codes spread over the whole map. */
const samples = territories.filter((_, i) => i % 2_000 === 7).map((row) => ({ zip: row.area.kind === 'postal' ? row.area.prefix : '', franchisee: row.franchisee }));

let stack: LocalStack;
let headers: Record<string, string>;
let startedInMs: number;

beforeAll(async () => {
  const started = Date.now();
  stack = await startTestStack({ config: CONFIG, timeScale: '60', seed: false });
  startedInMs = Date.now() - started;
  const adminKey = Object.entries(stack.secrets).find(([id]) => id.startsWith('AdminApiKey'))![1];
  headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

const lead = (zip: string, i: number) => ({
  firstName: `Lead${i}`,
  email: `lead${i}@example.com`,
  phone: `+1 312 555 ${String(1000 + i)}`,
  source: 'referral',
  country: 'US',
  postalCode: zip,
});

describe('the example franchise of 1,000 franchisees × 100 ZIP codes', () => {
  it('given the stack started with it, when 50 sampled ZIP codes are simulated, then each goes to the franchisee holding it', async () => {
    expect(territories).toHaveLength(100_000);
    expect(samples).toHaveLength(50);
    const response = await fetch(`${stack.apiUrl}/admin/simulate`, { method: 'POST', headers, body: JSON.stringify({ leads: samples.map((s, i) => lead(s.zip, i)) }) });
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as { results: { teamId?: string; via: { kind: string }; territory?: string }[] };
    expect(results.map((r) => r.teamId)).toEqual(samples.map((s) => s.franchisee));
    expect(results.every((r) => r.via.kind === 'franchise-territory')).toBe(true);
    console.log(`franchise at scale: stack with ${territories.length} territories started in ${(startedInMs / 1000).toFixed(1)} s; e.g. ${results[0]!.territory}`);
  });

  it('given field agents of five sampled franchisees, when their ZIP codes post leads, then each lead is offered to that franchisee\'s agent', async () => {
    const five = samples.slice(0, 5);
    const reps = five.map((s) => ({ id: `${s.franchisee}-agent`, name: `${s.franchisee} agent`, email: `agent@${s.franchisee}.example.com`, teamId: s.franchisee, capacity: 5 }));
    const added = await fetch(`${stack.apiUrl}/admin/reps`, { method: 'POST', headers, body: JSON.stringify({ reps }) });
    const answer = (await added.json()) as { results: { status: string }[] };
    expect(answer.results.map((r) => r.status), JSON.stringify(answer)).toEqual(five.map(() => 'created'));

    const ids: string[] = [];
    for (const [i, s] of five.entries()) {
      const posted = await fetch(`${stack.apiUrl}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(lead(s.zip, 100 + i)) });
      expect(posted.status).toBe(202);
      ids.push(((await posted.json()) as { leadId: string }).leadId);
    }
    for (const [i, s] of five.entries()) {
      await expect
        .poll(async () => ((await (await fetch(`${stack.apiUrl}/leads/${ids[i]}`, { headers })).json()) as { lead: { status: string; teamId?: string; ownerId?: string } }).lead, {
          timeout: 20_000,
          interval: 250,
        })
        .toMatchObject({ status: 'OFFERED', teamId: s.franchisee, ownerId: `${s.franchisee}-agent` });
    }
  });
});
