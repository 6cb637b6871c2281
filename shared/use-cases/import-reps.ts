import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseWorkingHoursText } from '../admin/working-hours-text.ts';
import type { NewRep } from '../adapters/rep-store.ts';
import { MalformedRequest, type FieldProblem } from '../domain/errors.ts';
import { TerritorySchema, type RoutingConfig } from '../routing/config-schema.ts';
import { RepProfileSchema } from '../routing/eligibility.ts';
import { WorkingHoursSchema } from '../routing/working-hours.ts';
import type { RepByEmail, RoutingMessages } from './ports.ts';

/** One request's worth; the CLI sends a bigger file in chunks. */
export const MAX_IMPORTED_REPS = 500;
/** Rows written at once: enough to finish 500 reps well inside the function's timeout. */
const PARALLEL_WRITES = 10;

const WholeNumber = (max: number) =>
  z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').max(max, `must be at most ${max}`);

/** Rep ids end up in keys (`REP#<id>`), actor names (`rep:<id>`) and URLs: keep them plain. */
export const RepIdSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i, 'letters, digits, dots, dashes and underscores, at most 64, starting with a letter or digit');

const Text = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** The rep's working hours as the portal stores them, or as one line of text (`mon-fri 09:00-17:30; sat 10:00-14:00`). */
const WorkingHoursInput = z.preprocess((value, ctx) => {
  if (typeof value !== 'string') return value;
  const parsed = parseWorkingHoursText(value);
  if (parsed.ok) return parsed.hours;
  ctx.addIssue({ code: 'custom', message: parsed.message });
  return value;
}, WorkingHoursSchema);

/**
 * One rep as an admin imports them: what `RepProfileSchema` needs from a person (the rest, load
 * counters and rotation state, starts fresh), with the team checked against the stack's config.
 * Strict, so a misspelt field ("capacty") is reported rather than silently dropped.
 */
export function repImportRowSchema(teamIds: readonly string[]) {
  const profile = RepProfileSchema.pick({ role: true, active: true, weight: true, outOfOfficeUntil: true, timeZone: true }).shape;
  return z.strictObject({
    ...profile,
    /** Absent: derived from the email, the same way every time, so a re-import finds the rep again. */
    id: RepIdSchema.optional(),
    name: Text,
    email: z.string().trim().toLowerCase().pipe(z.email('must be an email address').max(254, 'must be at most 254 characters')),
    teamId: z
      .string({ error: 'required: one of the stack\'s team ids' })
      .trim()
      .refine((id) => teamIds.includes(id), { error: (issue) => `no team "${String(issue.input)}" in this stack (teams: ${teamIds.join(', ')})` }),
    capacity: WholeNumber(1000),
    dailyCap: WholeNumber(10_000).optional(),
    weeklyCap: WholeNumber(50_000).optional(),
    products: z.array(Text).max(100, 'at most 100 products').optional(),
    languages: z
      .array(z.string().trim().toLowerCase().regex(/^[a-z]{2}$/, 'a two-letter ISO 639-1 code such as de'))
      .max(50, 'at most 50 languages')
      .optional(),
    territory: TerritorySchema.optional(),
    workingHours: WorkingHoursInput.optional(),
  });
}
export type RepImportRow = z.infer<ReturnType<typeof repImportRowSchema>>;

/**
 * An id for a rep imported without one: the address's local part, readable, plus a short hash
 * of the whole address, so two people called anna at different domains do not collide.
 */
export function deriveRepId(email: string): string {
  const normalized = email.trim().toLowerCase();
  const local = (normalized.split('@')[0] ?? '')
    .replace(/[^a-z0-9]+/g, '-')
    // Runs are one dash by now; an unanchored `-+$` would rescan every run of them.
    .replace(/^-|-$/g, '')
    .slice(0, 40);
  const hash = createHash('sha256').update(normalized).digest('hex').slice(0, 6);
  return `${local || 'rep'}-${hash}`;
}

export type ImportStatus = 'created' | 'exists' | 'invalid';

export interface ImportRowResult {
  /** Position of the row in the request's `reps`. */
  readonly index: number;
  readonly repId?: string;
  readonly status: ImportStatus;
  readonly errors?: readonly FieldProblem[];
  /**
   * An existing rep whose address bounced or complained (see `markRepUnreachable`): importing
   * them again put them back into routing, at the row's address if it was a new one.
   */
  readonly reachableAgain?: true;
  readonly emailChanged?: true;
}

export interface ImportReport {
  readonly results: readonly ImportRowResult[];
  readonly created: number;
  readonly exists: number;
  readonly invalid: number;
  /** Existing reps put back into routing (of those counted as `exists`). */
  readonly reachableAgain: number;
}

/** Reps added by an admin, and put back into routing once their address is fixed. */
export interface RepImports {
  /** Adds the rep with their email, unless the id exists (false); refuses an address another rep has. */
  add(rep: NewRep): Promise<boolean>;
  /** An unreachable rep reachable again at `email`; nothing for a rep who was not unreachable. */
  markReachable(repId: string, email: string): Promise<{ readonly emailChanged: boolean } | undefined>;
}

export interface ImportRepsDeps {
  readonly reps: RepImports & RepByEmail;
  readonly config: Pick<RoutingConfig, 'teams'>;
  /** When given, the team queue of a rep put back into routing is offered again. */
  readonly queue?: RoutingMessages;
}

const ImportBodySchema = z.object({ reps: z.array(z.unknown()).min(1).max(MAX_IMPORTED_REPS) });

/** Zod issues as field problems an admin can act on; unknown fields one by one. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'not a rep field' }))
      : [{ field: issue.path.join('.') || '(row)', message: issue.message }],
  );
}

/** A row ready to add; `idGiven` false when the id was derived from the email. */
export interface ValidRow {
  readonly index: number;
  readonly rep: NewRep & { id: string; email: string };
  readonly idGiven: boolean;
}

/** Validates every row on its own, and flags a row repeating an earlier row's id or email. */
export function validateRepRows(rows: readonly unknown[], teamIds: readonly string[]): (ValidRow | ImportRowResult)[] {
  const schema = repImportRowSchema(teamIds);
  const ids = new Set<string>();
  const emails = new Set<string>();
  return rows.map((row, index) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) return { index, status: 'invalid', errors: fieldProblems(parsed.error) } satisfies ImportRowResult;
    const rep = { ...parsed.data, id: parsed.data.id ?? deriveRepId(parsed.data.email) };
    const repeats: FieldProblem[] = [];
    if (ids.has(rep.id)) repeats.push({ field: 'id', message: `same id as an earlier row of this import (${rep.id})` });
    if (emails.has(rep.email)) repeats.push({ field: 'email', message: 'same email as an earlier row of this import' });
    ids.add(rep.id);
    emails.add(rep.email);
    if (repeats.length > 0) return { index, repId: rep.id, status: 'invalid', errors: repeats } satisfies ImportRowResult;
    return { index, rep, idGiven: parsed.data.id !== undefined };
  });
}

/**
 * Import reps from an admin's list (a CSV file through the CLI, or JSON).
 * 1. Validate each row on its own; a bad row is reported by field and does not stop the others.
 * 2. Add each valid rep with its email in one transaction (`RepImports.add`): a rep whose id exists
 *    is left exactly as it is (`exists`), so a re-run, or two runs at once, create each rep once.
 * 3. An email another rep already has is a problem of that row, not of the import.
 * 4. An existing rep marked unreachable (their address bounced or complained) is the one thing
 *    a re-import changes: they are reachable again, at the row's address when it differs, which
 *    is how an admin fixes an address (a rep imported without an id is found by the address).
 */
export async function importReps(body: unknown, deps: ImportRepsDeps): Promise<ImportReport> {
  const request = ImportBodySchema.safeParse(body);
  if (!request.success) {
    throw new MalformedRequest(`Send { "reps": [ ... ] } with 1 to ${MAX_IMPORTED_REPS} reps (a bigger file in several requests)`);
  }
  const rows = validateRepRows(
    request.data.reps,
    deps.config.teams.map((team) => team.id),
  );
  const results: ImportRowResult[] = new Array(rows.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < rows.length; i = next++) {
      const row = rows[i]!;
      results[i] = 'rep' in row ? await addRep(row, deps) : row;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_WRITES, rows.length) }, worker));
  // A rep back in routing may take a lead that waited in the team queue while they were out.
  const teamsWithReturners = new Set(rows.flatMap((row, i) => ('rep' in row && results[i]?.reachableAgain ? [row.rep.teamId] : [])));
  for (const teamId of teamsWithReturners) await deps.queue?.enqueue({ drainTeam: teamId });
  const count = (status: ImportStatus) => results.filter((result) => result.status === status).length;
  return { results, created: count('created'), exists: count('exists'), invalid: count('invalid'), reachableAgain: results.filter((result) => result.reachableAgain).length };
}

async function addRep({ index, rep, idGiven }: ValidRow, deps: ImportRepsDeps): Promise<ImportRowResult> {
  // Without an id the address is who the rep is: one who has it already exists, whatever their id.
  const known = idGiven ? undefined : await deps.reps.findByEmail(rep.email);
  if (known) return existingRep(index, known.id, rep.email, deps);
  try {
    if (await deps.reps.add(rep)) return { index, repId: rep.id, status: 'created' };
    return await existingRep(index, rep.id, rep.email, deps);
  } catch (error) {
    // `add` refuses an address that belongs to someone else (maybe added a moment ago),
    // and so does markReachable (`EmailTaken`) when an unreachable rep is given another's address.
    const holder = await deps.reps.findByEmail(rep.email);
    if (holder && holder.id !== rep.id) {
      return idGiven
        ? { index, repId: rep.id, status: 'invalid', errors: [{ field: 'email', message: `already belongs to rep ${holder.id}` }] }
        : { index, repId: holder.id, status: 'exists' };
    }
    throw error;
  }
}

/** A rep who exists stays as they are, unless their address was marked unreachable. */
async function existingRep(index: number, repId: string, email: string, deps: ImportRepsDeps): Promise<ImportRowResult> {
  const reachable = await deps.reps.markReachable(repId, email);
  if (!reachable) return { index, repId, status: 'exists' };
  return { index, repId, status: 'exists', reachableAgain: true, ...(reachable.emailChanged ? { emailChanged: true } : {}) };
}
