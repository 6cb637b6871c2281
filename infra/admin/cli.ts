import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { formatLeadReport, formatTeamQueue, LeadWithHistorySchema, TeamQueueSchema } from '#shared/admin/lead-report.ts';
import { chunkRows, csvColumnOf, parseRepsCsv, REPS_CSV_COLUMNS, RepsCsvError } from '#shared/admin/reps-csv.ts';
import { senderSetup, SETUP_WITH_SECRET } from '#shared/admin/source-setup.ts';
import { TERRITORIES_CSV_COLUMNS } from '#shared/franchise/territories-csv.ts';

/**
 * Admin commands against a running stack, local or deployed (`npm run admin -- <command>`).
 * The stack is `--url` (or LEAD_ROUTER_URL, default http://localhost:3000) with the admin key
 * `--key` (or LEAD_ROUTER_ADMIN_KEY): `npm start` prints it; on AWS it is the AdminApiKeySecret.
 * Each command is one entry of `commands`; the text views and the CSV mapping live in
 * `shared/admin/`, where the unit tests reach them. Exit codes: 0 done, 1 the stack refused or
 * a row was invalid, 2 a usage or file problem.
 */

interface Api {
  (path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; ok: boolean; body: unknown }>;
}

interface Context {
  readonly api: Api;
  /** The stack's API URL, for the webhook addresses shown. */
  readonly url: string;
  /** `--set VALUE` of `sources secret`. */
  readonly set?: string;
  /** `--json`: print the API's answer as it is, for scripts. */
  readonly json: boolean;
  /** `--max N` of `redrive`. */
  readonly max?: string;
  /** `--update` of `import-reps`: existing reps take the file's admin columns. */
  readonly update: boolean;
  /** The changes of `reps update`, by flag (`--max-capacity` as `maxCapacity`). */
  readonly changes: RepChangeFlags;
  /** `--dry-run` of `territories import`: check and show, store nothing. */
  readonly dryRun: boolean;
}

/** `reps update` flags as given, before the API checks them. */
interface RepChangeFlags {
  readonly name?: string;
  readonly email?: string;
  readonly team?: string;
  readonly capacity?: string;
  readonly maxCapacity?: string;
}

interface Command {
  /** Arguments as the usage shows them. */
  readonly args: string;
  readonly summary: string;
  readonly run: (args: readonly string[], context: Context) => Promise<number>;
}

const commands: Record<string, Command> = {
  simulate: { args: '<file.json>', summary: 'who would get these leads now, and why (assigns nothing)', run: simulate },
  lead: { args: '<id>', summary: 'a lead and its history, one line per event (--json: raw)', run: showLead },
  erase: { args: '<id>', summary: 'erase a lead and its whole history (privacy request)', run: eraseLead },
  queue: { args: '<teamId>', summary: "a team's waiting leads in the order they will be offered", run: showQueue },
  'import-reps': {
    args: '<file.csv> [--update]',
    summary: 'add the reps of a CSV file; existing ones are left as they are (--update: they take its admin columns)',
    run: importReps,
  },
  reps: {
    args: 'update|disable|enable <id> [...]',
    summary: 'change a rep (see below); switch a rep off (no leads, no portal, sessions ended, leads moved on) or on',
    run: repsCommand,
  },
  sources: {
    args: '[add <file.json> | secret <id> [--set VALUE]]',
    summary: "the stack's lead sources and their webhook URLs; add one; show or set a source's secret",
    run: sources,
  },
  territories: {
    args: 'import <file.csv> [--dry-run] | export [file.csv] | history',
    summary: 'the franchisees and their territories: replace them from a CSV (--dry-run: show what moves), write them out, list the versions',
    run: territories,
  },
  redrive: { args: '[--max N]', summary: 'after a fix: move the leads in the routing DLQ back to routing, and the ad platform leads in the fetch DLQ back to fetching (all, or N)', run: redrive },
  recount: { args: '', summary: "set each rep's open-lead count to the leads they hold (the sweeper does it every minute)", run: recount },
};

const RecountReportSchema = z.object({
  checked: z.number(),
  repaired: z.array(z.object({ repId: z.string(), counted: z.number(), held: z.number() })),
  changing: z.array(z.string()),
});

async function recount(_args: readonly string[], { api, json }: Context): Promise<number> {
  const { ok, status, body } = await api('/admin/recount', { method: 'POST', body: {} });
  if (!ok) return fail(problem(status, body), 1);
  const report = RecountReportSchema.parse(body);
  if (json) console.log(JSON.stringify(report));
  else {
    console.log(`Checked ${report.checked} rep(s); ${report.repaired.length} repaired.`);
    for (const { repId, counted, held } of report.repaired) console.log(`  ${repId}: counted ${counted}, holds ${held}`);
    if (report.changing.length > 0) console.log(`${report.changing.length} changed moments ago and were left for the next recount: ${report.changing.join(', ')}`);
  }
  return 0;
}

function usage(): string {
  const width = Math.max(...Object.entries(commands).map(([name, command]) => `${name} ${command.args}`.length));
  return [
    'usage: npm run admin -- <command> [--url URL] [--key KEY] [--json]',
    '',
    ...Object.entries(commands).map(([name, command]) => `  ${`${name} ${command.args}`.padEnd(width)}  ${command.summary}`),
    '',
    'reps update <id> takes any of --name N, --email E, --team T, --capacity N, --max-capacity N',
    '(--max-capacity: the most open leads the rep may set in the portal; a lower one brings their',
    'capacity down to it). import-reps --update gives existing reps the file\'s name, email, team,',
    'capacity, maxCapacity and disabled; what reps set themselves in the portal stays theirs.',
    '',
    'import-reps CSV: a header row naming the columns, then one rep per row; several values in a',
    'cell separated by ; or |. Columns:',
    ...Object.entries(REPS_CSV_COLUMNS).map(([column, meaning]) => `  ${column.padEnd(16)} ${meaning}`),
    '',
    'territories CSV: a header row, then one territory per row; the whole file is checked before',
    'anything changes (--dry-run shows what moves from whom to whom). Columns:',
    ...Object.entries(TERRITORIES_CSV_COLUMNS).map(([column, meaning]) => `  ${column.padEnd(16)} ${meaning}`),
  ].join('\n');
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      key: { type: 'string' },
      json: { type: 'boolean', default: false },
      set: { type: 'string' },
      max: { type: 'string' },
      update: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      name: { type: 'string' },
      email: { type: 'string' },
      team: { type: 'string' },
      // A rep has one team; the plural reads the same, for whoever types it so.
      teams: { type: 'string' },
      capacity: { type: 'string' },
      'max-capacity': { type: 'string' },
    },
  });
  const [name, ...args] = positionals;
  const command = name === undefined ? undefined : commands[name];
  if (!command) return fail(usage());
  const url = (values.url ?? process.env.LEAD_ROUTER_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  const key = values.key ?? process.env.LEAD_ROUTER_ADMIN_KEY;
  if (!key) return fail('No admin key: pass --key or set LEAD_ROUTER_ADMIN_KEY (npm start prints the local one).');
  const api: Api = async (path, init = {}) => {
    const response = await fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${key}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page): keep the text for the message.
    }
    return { status: response.status, ok: response.ok, body };
  };
  const team = values.team ?? values.teams;
  const changes: RepChangeFlags = {
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.email !== undefined ? { email: values.email } : {}),
    ...(team !== undefined ? { team } : {}),
    ...(values.capacity !== undefined ? { capacity: values.capacity } : {}),
    ...(values['max-capacity'] !== undefined ? { maxCapacity: values['max-capacity'] } : {}),
  };
  return command.run(args, {
    api,
    url,
    json: values.json,
    update: values.update,
    dryRun: values['dry-run'],
    changes,
    ...(values.set !== undefined ? { set: values.set } : {}),
    ...(values.max !== undefined ? { max: values.max } : {}),
  });
}

/** The API's `message`, or whatever it answered, for a one-line error. */
function problem(status: number, body: unknown): string {
  const message = typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : JSON.stringify(body);
  return `${status}: ${message}`;
}

function requireArgument(args: readonly string[], what: string): string | undefined {
  const [argument] = args;
  if (argument === undefined || argument === '') console.error(`Missing ${what}.\n\n${usage()}`);
  return argument || undefined;
}

async function showLead(args: readonly string[], { api, json }: Context): Promise<number> {
  const leadId = requireArgument(args, 'the lead id');
  if (!leadId) return 2;
  const { ok, status, body } = await api(`/leads/${encodeURIComponent(leadId)}`);
  if (!ok) return fail(problem(status, body), 1);
  const report = LeadWithHistorySchema.safeParse(body);
  // An answer this CLI does not know the shape of is still worth showing.
  console.log(json || !report.success ? JSON.stringify(body, null, 2) : formatLeadReport(report.data).join('\n'));
  return 0;
}

async function eraseLead(args: readonly string[], { api }: Context): Promise<number> {
  const leadId = requireArgument(args, 'the lead id');
  if (!leadId) return 2;
  const path = `/leads/${encodeURIComponent(leadId)}`;
  // Read first only to say what goes; a lead already half erased has no item to read and is finished all the same.
  const before = await api(path);
  const found = before.ok ? LeadWithHistorySchema.safeParse(before.body) : undefined;
  const { status, body } = await api(path, { method: 'DELETE' });
  if (status === 404) return fail(`Nothing to erase: no lead ${leadId} and no history of one.`, 1);
  if (status !== 204) return fail(problem(status, body), 1);
  if (found?.success) {
    const { lead, history } = found.data;
    const held = ['OFFERED', 'ACCEPTED', 'CONTACTED'].includes(lead.status) && lead.ownerId;
    console.log(`Erased lead ${leadId} (was ${lead.status}${lead.teamId ? ` in ${lead.teamId}` : ''}) with its ${history.length} history events and its duplicate-check and idempotency records.`);
    if (held) console.log(`${lead.ownerId} has the slot back; the team queue is offered it.`);
  } else {
    console.log(`Erased what was left of lead ${leadId} (its history) after an earlier, interrupted erasure.`);
  }
  return 0;
}

async function showQueue(args: readonly string[], { api, json }: Context): Promise<number> {
  const teamId = requireArgument(args, 'the team id');
  if (!teamId) return 2;
  const { ok, status, body } = await api(`/admin/teams/${encodeURIComponent(teamId)}/queue`);
  if (!ok) return fail(problem(status, body), 1);
  const queue = TeamQueueSchema.safeParse(body);
  console.log(json || !queue.success ? JSON.stringify(body, null, 2) : formatTeamQueue(queue.data).join('\n'));
  return 0;
}

async function importReps(args: readonly string[], { api, json, update }: Context): Promise<number> {
  const file = requireArgument(args, 'the CSV file');
  if (!file) return 2;
  let rows;
  try {
    rows = parseRepsCsv(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof RepsCsvError || (error as NodeJS.ErrnoException).code === 'ENOENT') return fail(`${file}: ${(error as Error).message}`);
    throw error;
  }
  if (rows.length === 0) return fail(`${file}: no reps below the header row`);

  const counts = { created: 0, updated: 0, exists: 0, invalid: 0 };
  const raw: unknown[] = [];
  for (const chunk of chunkRows(rows)) {
    const { ok, status, body } = await api('/admin/reps', { method: 'POST', body: { reps: chunk.map((row) => row.rep), ...(update ? { update: true } : {}) } });
    const results = ok ? parseImportResults(body) : undefined;
    if (!results) {
      const done = counts.created + counts.updated + counts.exists + counts.invalid;
      return fail(`${problem(status, body)}\nStopped at line ${chunk[0]!.line}; the ${done} rows before it were handled. Run the same file again to continue.`, 1);
    }
    for (const result of results) {
      const line = chunk[result.index]?.line ?? '?';
      counts[result.status]++;
      if (json) raw.push({ line, ...result });
      else if (result.status === 'invalid') {
        const errors = (result.errors ?? []).map((error) => `${csvColumnOf(error.field)}: ${error.message}`).join('; ');
        console.log(`line ${line}: invalid${result.repId ? ` (${result.repId})` : ''}: ${errors}`);
      } else if (result.status === 'updated') console.log(`line ${line}: updated ${result.repId ?? ''} (${(result.changed ?? []).map(csvColumnOf).join(', ')})`);
      else console.log(`line ${line}: ${result.status === 'created' ? 'created' : 'exists '} ${result.repId ?? ''}`.trimEnd());
    }
  }
  if (json) console.log(JSON.stringify(raw, null, 2));
  else console.log(`${counts.created} created, ${update ? `${counts.updated} updated, ` : ''}${counts.exists} already there, ${counts.invalid} invalid`);
  return counts.invalid > 0 ? 1 : 0;
}

const ImportAnswer = z.object({
  results: z.array(
    z.object({
      index: z.number().int(),
      repId: z.string().optional(),
      status: z.enum(['created', 'updated', 'exists', 'invalid']),
      errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
      changed: z.array(z.string()).optional(),
    }),
  ),
});

/** The per-row results of POST /admin/reps, or undefined for an answer of another shape. */
const parseImportResults = (body: unknown) => ImportAnswer.safeParse(body).data?.results;

const FieldErrors = z.object({ errors: z.array(z.object({ field: z.string(), message: z.string() })) });

/** The API's message and, for a refused change, one line per field (`capacity: must be …`). */
function refusal(status: number, body: unknown): string {
  const errors = FieldErrors.safeParse(body).data?.errors ?? [];
  return [problem(status, body), ...errors.map((error) => `  ${csvColumnOf(error.field)}: ${error.message}`)].join('\n');
}

const UpdateAnswer = z.object({ rep: z.object({ id: z.string() }), changed: z.array(z.string()) });
const DisableAnswer = z.object({ repId: z.string(), changed: z.boolean(), released: z.array(z.string()), kept: z.array(z.string()) });
const EnableAnswer = z.object({ repId: z.string(), changed: z.boolean() });

/** A flag's number as the API takes it; anything else as typed, for the API to name. */
const numberOrText = (value: string) => (/^\d+$/.test(value.trim()) ? Number(value) : value);

/** `reps update <id> --name … --email … --team … --capacity N --max-capacity N`, `reps disable <id>`, `reps enable <id>`. */
async function repsCommand(args: readonly string[], { api, json, changes }: Context): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'update' && sub !== 'disable' && sub !== 'enable') return fail(usage());
  const repId = requireArgument(rest, 'the rep id');
  if (!repId) return 2;
  const path = `/admin/reps/${encodeURIComponent(repId)}`;
  if (sub === 'update') {
    const body = {
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.email !== undefined ? { email: changes.email } : {}),
      ...(changes.team !== undefined ? { teamId: changes.team } : {}),
      ...(changes.capacity !== undefined ? { capacity: numberOrText(changes.capacity) } : {}),
      ...(changes.maxCapacity !== undefined ? { maxCapacity: numberOrText(changes.maxCapacity) } : {}),
    };
    if (Object.keys(body).length === 0) return fail(`Nothing to change: give at least one of --name, --email, --team, --capacity, --max-capacity.\n\n${usage()}`);
    const { ok, status, body: answer } = await api(path, { method: 'PATCH', body });
    if (!ok) return fail(refusal(status, answer), 1);
    const report = UpdateAnswer.safeParse(answer).data;
    if (json || !report) console.log(JSON.stringify(answer, null, 2));
    else console.log(report.changed.length > 0 ? `Updated ${report.rep.id}: ${report.changed.join(', ')}` : `Nothing changed: ${report.rep.id} is so already.`);
    return 0;
  }
  const { ok, status, body: answer } = await api(`${path}/${sub}`, { method: 'POST', body: {} });
  if (!ok) return fail(problem(status, answer), 1);
  if (json) {
    console.log(JSON.stringify(answer, null, 2));
    return 0;
  }
  const already = (changed: boolean) => (changed ? '' : ' (it already was)');
  if (sub === 'disable') {
    const report = DisableAnswer.parse(answer);
    console.log(`${report.repId} is switched off${already(report.changed)}: no new leads, every portal session and sign-in link ended, their links refused.`);
    if (report.released.length > 0) console.log(`${report.released.length} lead(s) they held went back to routing: ${report.released.join(', ')}`);
    if (report.kept.length > 0) console.log(`${report.kept.length} contacted lead(s) stay theirs; their manager follows up: ${report.kept.join(', ')}`);
  } else {
    const report = EnableAnswer.parse(answer);
    console.log(`${report.repId} is switched on${already(report.changed)}: they sign in afresh and take leads again.`);
  }
  return 0;
}

const SimulationAnswer = z.object({
  results: z.array(
    z.looseObject({
      index: z.number().int(),
      tier: z.string().optional(),
      score: z.number().optional(),
      department: z.string().optional(),
      teamId: z.string().optional(),
      wouldOffer: z.string().optional(),
      explanation: z.array(z.string()).optional(),
      territory: z.string().optional(),
      error: z.string().optional(),
      errors: z.array(z.unknown()).optional(),
    }),
  ),
});

/** `{ "leads": [...] }`, a list, or one lead, each shaped like a webhook post. */
async function simulate(args: readonly string[], { api, json }: Context): Promise<number> {
  const file = requireArgument(args, 'the JSON file of leads');
  if (!file) return 2;
  const content: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const leads: unknown[] = Array.isArray(content)
    ? content
    : typeof content === 'object' && content !== null && 'leads' in content && Array.isArray(content.leads)
      ? content.leads
      : [content];
  const { ok, status, body } = await api('/admin/simulate', { method: 'POST', body: { leads } });
  const results = ok ? SimulationAnswer.safeParse(body).data?.results : undefined;
  if (!results) return fail(problem(status, body), 1);
  if (json) {
    console.log(JSON.stringify(results, null, 2));
    return 0;
  }
  for (const result of results) {
    const lead = leads[result.index];
    const fields: Record<string, unknown> = typeof lead === 'object' && lead !== null ? Object.fromEntries(Object.entries(lead)) : {};
    const who = [fields.firstName, fields.lastName].filter(Boolean).join(' ') || String(fields.email ?? `lead ${result.index + 1}`);
    if (result.error) {
      console.log(`${who}: rejected: ${JSON.stringify(result.errors)}`);
      continue;
    }
    const destination = result.department === 'marketing' ? 'marketing' : `${result.teamId} -> ${result.wouldOffer ?? 'team queue (nobody available)'}`;
    console.log(`${who}: ${result.tier} (${result.score}) -> ${destination}`);
    for (const line of result.explanation ?? []) console.log(`    ${line}`);
    if (result.territory) console.log(`    territory: ${result.territory}`);
  }
  return 0;
}

const SourcesAnswer = z.object({
  sources: z.array(
    z.object({
      origin: z.enum(['config', 'added']),
      webhookPath: z.string(),
      verifyToken: z.string().optional(),
      source: z.looseObject({ id: z.string(), name: z.string().optional(), auth: z.string(), preset: z.string().optional(), signature: z.string().optional(), allowedOrigins: z.array(z.string()).optional() }),
    }),
  ),
});

/** A source's secret, or undefined when the stack will not tell (the listing then names the command). */
async function secretOf(api: Api, sourceId: string): Promise<string | undefined> {
  const { ok, body } = await api(`/admin/sources/${encodeURIComponent(sourceId)}/secret`);
  return ok ? z.object({ secret: z.string() }).safeParse(body).data?.secret : undefined;
}

/** `sources`: list; `sources add <file.json>`: add a source; `sources secret <id> [--set VALUE]`. */
async function sources(args: readonly string[], { api, url, json, set }: Context): Promise<number> {
  const [sub, argument] = args;
  if (sub === undefined) {
    const { ok, status, body } = await api('/admin/sources');
    const listed = ok ? SourcesAnswer.safeParse(body).data?.sources : undefined;
    if (!listed) return fail(problem(status, body), 1);
    if (json) {
      console.log(JSON.stringify(listed, null, 2));
      return 0;
    }
    for (const { source, origin, webhookPath, verifyToken } of listed) {
      const platform = source.auth === 'facebook' || source.auth === 'linkedin';
      const auth =
        source.auth === 'signed'
          ? `signed (${source.signature})`
          : source.auth === 'public'
            ? `public${source.allowedOrigins?.length ? ` from ${source.allowedOrigins.join(', ')}` : ', any page'}`
            : platform
              ? `${source.auth} (notifies; the lead is fetched from its API)`
              : 'token';
      console.log(`${source.id.padEnd(16)} ${(source.preset ?? source.auth).padEnd(12)} ${auth}${origin === 'added' ? '  [added]' : ''}`);
      console.log(`${''.padEnd(16)} ${platform ? 'Callback URL' : 'POST'} ${url}${webhookPath}${source.name ? `   ${source.name}` : ''}`);
      if (verifyToken) console.log(`${''.padEnd(16)} Verify token ${verifyToken}`);
      // Senders that take only a URL, a key or a header get what to paste, secret included.
      const secret = source.auth === 'token' && source.preset !== undefined && SETUP_WITH_SECRET.has(source.preset) ? await secretOf(api, source.id) : undefined;
      if (source.preset !== undefined) for (const line of senderSetup({ ...source, preset: source.preset }, `${url}${webhookPath}`, secret)) console.log(`${''.padEnd(16)} ${line}`);
    }
    console.log('\nSigned and token sources: `npm run admin -- sources secret <id>` shows the secret the sender needs.');
    console.log('Facebook and LinkedIn: `sources secret <id> --set <app secret>` sets the secret they sign with; their access tokens go in the PlatformAccessTokens secret (README "Ad platforms").');
    return 0;
  }
  if (sub === 'add') {
    const file = requireArgument(args.slice(1), 'the JSON file with the source (id, auth, preset, ...)');
    if (!file) return 2;
    const { ok, status, body } = await api('/admin/sources', { method: 'POST', body: JSON.parse(readFileSync(file, 'utf8')) as unknown });
    if (!ok) {
      const errors = typeof body === 'object' && body !== null && 'errors' in body && Array.isArray(body.errors) ? body.errors : [];
      return fail([problem(status, body), ...errors.map((e: { field: string; message: string }) => `  ${e.field}: ${e.message}`)].join('\n'), 1);
    }
    const added = SourcesAnswer.shape.sources.element.safeParse(body).data;
    console.log(json || !added ? JSON.stringify(body, null, 2) : `Added ${added.source.id}: POST ${url}${added.webhookPath}`);
    return 0;
  }
  if (sub === 'secret' && argument) {
    const path = `/admin/sources/${encodeURIComponent(argument)}/secret`;
    if (set !== undefined) {
      const { ok, status, body } = await api(path, { method: 'PUT', body: { secret: set } });
      if (!ok) return fail(problem(status, body), 1);
      console.log(`The secret of ${argument} is set; the webhook uses it within a minute.`);
      return 0;
    }
    const { ok, status, body } = await api(path);
    if (!ok) return fail(problem(status, body), 1);
    const answer = z.object({ secret: z.string(), setBy: z.string() }).safeParse(body).data;
    console.log(json || !answer ? JSON.stringify(body, null, 2) : `${answer.secret}\n(${answer.setBy === 'admin' ? 'set by an admin' : "derived from the stack's SourceSigningKey"})`);
    return 0;
  }
  return fail(usage());
}

const TerritoriesImportAnswer = z.object({
  dryRun: z.boolean(),
  version: z.number(),
  previousVersion: z.number(),
  franchisees: z.number(),
  territories: z.number(),
  changes: z.array(z.string()),
});
const TerritoriesExportAnswer = z.object({ version: z.number(), changedAt: z.string().optional(), changedBy: z.string().optional(), csv: z.string() });
const TerritoriesHistoryAnswer = z.object({
  versions: z.array(z.object({ version: z.number(), changedAt: z.string(), changedBy: z.string(), note: z.string().optional(), summary: z.record(z.string(), z.unknown()) })),
});

/**
 * `territories import` sends the whole file, gzipped (100,000 rows are well under a megabyte
 * that way), and the stack checks every row before anything changes; a dry run shows what would
 * move from whom to whom. `export` writes the current version as the same CSV.
 */
async function territories(args: readonly string[], { api, json, dryRun }: Context): Promise<number> {
  const [sub, file] = args;
  if (sub === 'import') {
    if (!file) return fail('territories import needs the CSV file (franchisee,name,managerEmail,country,region,postalPrefix)');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      return fail(`${file}: ${(error as Error).message}`);
    }
    const body = { csvGzip: gzipSync(text).toString('base64'), dryRun, changedBy: `admin CLI (${userInfo().username})`, note: `from ${basename(file)}` };
    const { ok, status, body: answer } = await api('/admin/territories', { method: 'PUT', body });
    if (!ok) {
      const errors = typeof answer === 'object' && answer !== null && 'errors' in answer && Array.isArray(answer.errors) ? answer.errors : [];
      return fail([problem(status, answer), ...errors.map((e: { field: string; message: string }) => `  ${e.field}: ${e.message}`)].join('\n'), 1);
    }
    const report = TerritoriesImportAnswer.parse(answer);
    if (json) console.log(JSON.stringify(answer, null, 2));
    else {
      for (const line of report.changes) console.log(line);
      console.log(
        report.dryRun
          ? `Dry run: ${report.franchisees} franchisee(s), ${report.territories} territory row(s) checked against version ${report.previousVersion}; nothing stored.`
          : `Stored as version ${report.version} (was ${report.previousVersion}): ${report.franchisees} franchisee(s), ${report.territories} territory row(s). New leads follow it within 30 s; leads already placed stay where they are.`,
      );
    }
    return 0;
  }
  if (sub === 'export') {
    const { ok, status, body } = await api('/admin/territories');
    if (!ok) return fail(problem(status, body), 1);
    const current = TerritoriesExportAnswer.parse(body);
    if (file) {
      writeFileSync(file, current.csv);
      console.error(`Wrote version ${current.version}${current.changedBy ? ` (${current.changedBy}, ${current.changedAt})` : ''} to ${file}`);
    } else process.stdout.write(current.csv);
    return 0;
  }
  if (sub === 'history') {
    const { ok, status, body } = await api('/admin/territories/history');
    if (!ok) return fail(problem(status, body), 1);
    const { versions } = TerritoriesHistoryAnswer.parse(body);
    if (json) console.log(JSON.stringify(versions, null, 2));
    else if (versions.length === 0) console.log('No territories stored yet.');
    else for (const v of versions) console.log(`v${v.version}  ${v.changedAt}  ${v.changedBy}${v.note ? `  ${v.note}` : ''}  ${JSON.stringify(v.summary)}`);
    return 0;
  }
  return fail(usage());
}

const RedriveReportSchema = z.object({ moved: z.number(), failed: z.number(), remaining: z.number() });

/** Calls the stack until the DLQ is empty, `--max` moved, or a call moves nothing (a message that cannot be sent). */
async function redrive(_args: readonly string[], { api, json, max }: Context): Promise<number> {
  const limit = max === undefined ? Number.POSITIVE_INFINITY : Number(max);
  if (!(limit >= 1) || (max !== undefined && !Number.isInteger(limit))) return fail(`--max must be a whole number of 1 or more, got "${max}"`);
  const total = { moved: 0, failed: 0, remaining: 0 };
  for (;;) {
    const { ok, status, body } = await api('/admin/redrive', { method: 'POST', body: { max: Math.min(1_000, limit - total.moved) } });
    if (!ok) return fail(problem(status, body), 1);
    const report = RedriveReportSchema.parse(body);
    total.moved += report.moved;
    total.failed += report.failed;
    total.remaining = report.remaining;
    if (report.moved === 0 || report.remaining === 0 || total.moved >= limit) break;
  }
  if (json) console.log(JSON.stringify(total));
  else {
    console.log(`Moved ${total.moved} message(s) from the routing and platform fetch DLQs back to their queues; ${total.remaining} still waiting.`);
    if (total.failed > 0) console.log(`${total.failed} could not be sent back; they return to the DLQ shortly: run redrive again.`);
  }
  return total.failed > 0 ? 1 : 0;
}

function fail(message: string, code = 2): number {
  console.error(message);
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
