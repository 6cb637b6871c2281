import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * Admin commands against a running stack, local or deployed:
 *   npm run admin -- simulate <file.json>   who would get these leads now, and why (assigns nothing)
 *   npm run admin -- lead <id>              a lead with its history
 * The stack is `--url` (or LEAD_ROUTER_URL, default http://localhost:3000) with the admin key
 * `--key` (or LEAD_ROUTER_ADMIN_KEY): `npm start` prints it; on AWS it is the AdminApiKeySecret.
 */

const usage = `usage: npm run admin -- <simulate <file.json> | lead <id>> [--url URL] [--key KEY] [--json]`;

interface Simulation {
  tier: string;
  score: number;
  department: string;
  teamId?: string;
  via: { kind: string; name?: string; franchiseeId?: string };
  wouldOffer?: string;
  skipped: { repId: string; reason?: string }[];
  explanation: string[];
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { url: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const [command, argument] = positionals;
  const url = (values.url ?? process.env.LEAD_ROUTER_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  const key = values.key ?? process.env.LEAD_ROUTER_ADMIN_KEY;
  if (!command || !argument) return fail(usage);
  if (!key) return fail('No admin key: pass --key or set LEAD_ROUTER_ADMIN_KEY (npm start prints the local one).');
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

  if (command === 'lead') {
    const response = await fetch(`${url}/leads/${encodeURIComponent(argument)}`, { headers });
    console.log(JSON.stringify(await response.json(), null, 2));
    return response.ok ? 0 : 1;
  }
  if (command !== 'simulate') return fail(usage);

  const file: unknown = JSON.parse(readFileSync(argument, 'utf8'));
  const leads = Array.isArray(file) ? file : typeof file === 'object' && file !== null && 'leads' in file ? file.leads : [file];
  const response = await fetch(`${url}/admin/simulate`, { method: 'POST', headers, body: JSON.stringify({ leads }) });
  const body = (await response.json()) as { results?: (Simulation & { index: number; error?: string; errors?: unknown[] })[]; message?: string };
  if (!response.ok || !body.results) return fail(`${response.status}: ${body.message ?? JSON.stringify(body)}`);
  if (values.json) {
    console.log(JSON.stringify(body.results, null, 2));
    return 0;
  }
  for (const result of body.results) {
    const lead = (leads as Record<string, unknown>[])[result.index] ?? {};
    const who = [lead.firstName, lead.lastName].filter(Boolean).join(' ') || String(lead.email ?? `lead ${result.index + 1}`);
    if (result.error) {
      console.log(`${who}: rejected: ${JSON.stringify(result.errors)}`);
      continue;
    }
    const destination = result.department === 'marketing' ? 'marketing' : `${result.teamId} -> ${result.wouldOffer ?? 'team queue (nobody available)'}`;
    console.log(`${who}: ${result.tier} (${result.score}) -> ${destination}`);
    for (const line of result.explanation) console.log(`    ${line}`);
  }
  return 0;
}

function fail(message: string): number {
  console.error(message);
  return 2;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
