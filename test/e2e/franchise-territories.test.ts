import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#infra/local/start.ts';
import { franchiseRefreshMs } from '#shared/config/routing-source.ts';
import { parseTerritoriesCsv } from '#shared/franchise/territories-csv.ts';
import { startTestStack } from './test-stack.ts';

/**
 * A franchise whose franchisees and territories are data: the stack config names a CSV, the
 * stack loads it when it starts, and a franchise admin moves a postal area from one franchisee
 * to another with `npm run admin -- territories import`, no deploy. The next lead follows the
 * new owner; a lead already placed stays with the franchisee that has it (its offer does not
 * expire during the test: its accept window is 600 minutes, ten real minutes at TIME_SCALE 60).
 */

const TIME_SCALE = 60;
const fixture = (name: string) => fileURLToPath(new URL(`./franchise/${name}`, import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

let stack: LocalStack;
let adminKey: string;
let headers: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack({ config: fixture('stack.json'), timeScale: String(TIME_SCALE), seed: false });
  adminKey = Object.entries(stack.secrets).find(([id]) => id.startsWith('AdminApiKey'))![1];
  headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
  // One field agent per franchisee, and one for the desk.
  const reps = ['austin-solar', 'dallas-solar', 'phoenix-solar', 'franchise-desk'].map((team) => ({
    id: `${team}-agent`,
    name: `${team} agent`,
    email: `agent@${team}.franchise.example.com`,
    teamId: team,
    capacity: 10,
  }));
  const added = await fetch(`${stack.apiUrl}/admin/reps`, { method: 'POST', headers, body: JSON.stringify({ reps }) });
  expect(added.status).toBe(200);
  const answer = (await added.json()) as { results: { status: string }[] };
  expect(answer.results.map((r) => r.status), JSON.stringify(answer)).toEqual(['created', 'created', 'created', 'created']);
});

afterAll(async () => {
  await stack?.stop();
});

function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['infra/admin/cli.ts', ...args, '--url', stack.apiUrl, '--key', adminKey], { cwd: repoRoot }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

let posted = 0;
/** Each lead its own person: the webhook joins a second post of the same email or phone to the first lead. */
const leadFrom = (postalCode: string, name: string, region?: string) => ({
  firstName: name,
  email: `${name.toLowerCase()}.${++posted}@example.com`,
  phone: `+1 512 555 ${String(100 + posted).padStart(4, '0')}`,
  country: 'US',
  postalCode,
  ...(region ? { region } : {}),
});

async function simulate(lead: Record<string, string>) {
  const response = await fetch(`${stack.apiUrl}/admin/simulate`, { method: 'POST', headers, body: JSON.stringify({ lead }) });
  expect(response.status).toBe(200);
  return (await response.json()) as { teamId?: string; via: { kind: string }; wouldOffer?: string; territory?: string };
}

async function post(lead: Record<string, string>): Promise<string> {
  const response = await fetch(`${stack.apiUrl}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(lead) });
  expect(response.status).toBe(202);
  return ((await response.json()) as { leadId: string }).leadId;
}

async function placed(leadId: string) {
  let lead: { status: string; teamId?: string; ownerId?: string } | undefined;
  await expect
    .poll(
      async () => {
        lead = ((await (await fetch(`${stack.apiUrl}/leads/${leadId}`, { headers })).json()) as { lead: typeof lead }).lead;
        return lead?.status;
      },
      { timeout: 20_000, interval: 200 },
    )
    .toBe('OFFERED');
  return lead!;
}

const rowsOf = (csv: string) => {
  const parsed = parseTerritoriesCsv(csv);
  if ('errors' in parsed) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  return parsed.map.territories.map((row) => `${row.franchisee} ${JSON.stringify(row.area)}`).sort();
};

describe('franchise territories as data', () => {
  it('given the stack config names a territories file, when the stack starts, then a lead is offered to the franchisee whose longest prefix holds its postal code', async () => {
    const austin = await simulate(leadFrom('78701', 'Ava'));
    expect(austin).toMatchObject({ teamId: 'austin-solar', via: { kind: 'franchise-territory' }, wouldOffer: 'austin-solar-agent' });
    expect(austin.territory).toMatch(/787/);
    expect(austin.territory).toMatch(/austin-solar/);
    // A full code beats the region; the region holds the rest of the state; outside everything, the desk.
    expect((await simulate(leadFrom('85001', 'Pia', 'AZ'))).teamId).toBe('phoenix-solar');
    expect((await simulate(leadFrom('75001', 'Tom', 'TX'))).teamId).toBe('dallas-solar');
    const nowhere = await simulate(leadFrom('10001', 'Ned', 'NY'));
    expect(nowhere).toMatchObject({ teamId: 'franchise-desk', via: { kind: 'default-team' } });

    const lead = await placed(await post(leadFrom('78701', 'Ava')));
    expect(lead).toMatchObject({ teamId: 'austin-solar', ownerId: 'austin-solar-agent' });
  });

  it('given a lead file, when simulated from the command line, then each lead\'s line says which franchisee holds its postal code and why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'territories-'));
    try {
      await writeFile(join(dir, 'leads.json'), JSON.stringify({ leads: [leadFrom('78705', 'Eve'), leadFrom('10001', 'Ned', 'NY')] }));
      const simulated = await cli('simulate', join(dir, 'leads.json'));
      expect(simulated.status, simulated.stderr).toBe(0);
      expect(simulated.stdout).toMatch(/Eve: hot \(\d+\) -> austin-solar -> austin-solar-agent/);
      expect(simulated.stdout).toMatch(/territory: postal code 78705 in US: prefix "787" of franchisee austin-solar/);
      expect(simulated.stdout).toMatch(/territory: no franchisee holds/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('given a file moving prefix 787 from Austin to Dallas, when imported with --dry-run, then the move is shown and nothing changes', async () => {
    const dry = await cli('territories', 'import', fixture('moved.csv'), '--dry-run');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/787.*austin-solar.*dallas-solar/);
    expect(dry.stdout).toMatch(/Dry run/);
    const history = await cli('territories', 'history', '--json');
    expect((JSON.parse(history.stdout) as unknown[]).length).toBe(1);
    expect((await simulate(leadFrom('78702', 'Bo'))).teamId).toBe('austin-solar');
  });

  it('given that file imported for real, when the next lead from 787 arrives, then Dallas gets it and the Austin lead placed before stays Austin\'s', async () => {
    const beforeId = await post(leadFrom('78703', 'Cy'));
    expect(await placed(beforeId)).toMatchObject({ teamId: 'austin-solar', ownerId: 'austin-solar-agent' });

    const imported = await cli('territories', 'import', fixture('moved.csv'));
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/version 2/);

    // The simulator checks the map's version on every request, so it routes by it at once; every
    // other function within the stated bound (30 s, shortened by TIME_SCALE to 10 s at least),
    // which is waited out here.
    expect((await simulate(leadFrom('78704', 'Di'))).teamId).toBe('dallas-solar');
    await new Promise((resolve) => setTimeout(resolve, franchiseRefreshMs(TIME_SCALE)));
    const after = await placed(await post(leadFrom('78704', 'Di')));
    expect(after).toMatchObject({ teamId: 'dallas-solar', ownerId: 'dallas-solar-agent' });
    expect(await placed(beforeId)).toMatchObject({ teamId: 'austin-solar', ownerId: 'austin-solar-agent' });

    const dir = await mkdtemp(join(tmpdir(), 'territories-'));
    try {
      const exported = await cli('territories', 'export', join(dir, 'current.csv'));
      expect(exported.status, exported.stderr).toBe(0);
      expect(rowsOf(await readFile(join(dir, 'current.csv'), 'utf8'))).toEqual(rowsOf(readFileSync(fixture('moved.csv'), 'utf8')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const history = JSON.parse((await cli('territories', 'history', '--json')).stdout) as { version: number; changedBy: string; note?: string }[];
    expect(history.map((v) => v.version)).toEqual([2, 1]);
    expect(history[0]!.changedBy).toMatch(/admin CLI/);
    expect(history[1]!.changedBy).toBe('stack config');
  });

  it('given a file where two franchisees hold the same prefix, when imported, then it is refused naming both rows and nothing is stored', async () => {
    const refused = await cli('territories', 'import', fixture('overlapping.csv'));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/row 3/);
    expect(refused.stderr).toMatch(/austin-solar/);
    expect(refused.stderr).toMatch(/row 2/);
    const history = JSON.parse((await cli('territories', 'history', '--json')).stdout) as unknown[];
    expect(history).toHaveLength(2);
  });
});
