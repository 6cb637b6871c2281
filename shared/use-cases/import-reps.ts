import { createHash } from 'node:crypto';
import * as z from '../zod.ts';
import type { NewEffect } from '../adapters/outbox.ts';
import type { NewRep } from '../adapters/rep-store.ts';
import { InvalidLead, MalformedRequest, type FieldProblem } from '../domain/errors.ts';
import type { RoutingConfig } from '../routing/config-schema.ts';
import { drainTeam } from './follow-ups.ts';
import { disableRep, enableRep, updateRep, type ManageRepsDeps } from './manage-reps.ts';
import type { RepByEmail } from './ports.ts';
import { fieldProblems, repImportRowSchema } from './rep-fields.ts';

export { fieldProblems, RepIdSchema, repImportRowSchema, type RepImportRow } from './rep-fields.ts';

/** One request's worth; the CLI sends a bigger file in chunks. */
export const MAX_IMPORTED_REPS = 500;
/** Rows written at once: enough to finish 500 reps well inside the function's timeout. */
const PARALLEL_WRITES = 10;

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

export type ImportStatus = 'created' | 'updated' | 'exists' | 'invalid';

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
  /** `updated`: what the row changed on the existing rep (admin fields, `disabled`). */
  readonly changed?: readonly string[];
}

export interface ImportReport {
  readonly results: readonly ImportRowResult[];
  readonly created: number;
  /** Existing reps the row changed (only when the import asks to update). */
  readonly updated: number;
  readonly exists: number;
  readonly invalid: number;
  /** Existing reps put back into routing (of those counted as `exists`). */
  readonly reachableAgain: number;
}

/** Reps added by an admin, and put back into routing once their address is fixed. */
export interface RepImports {
  /** Adds the rep with their email, unless the id exists (false); refuses an address another rep has. */
  add(rep: NewRep): Promise<boolean>;
  /**
   * An unreachable rep reachable again at `email`, with `effects` recorded in the same write;
   * nothing (and nothing recorded) for a rep who was not unreachable.
   */
  markReachable(repId: string, email: string, effects: readonly NewEffect[]): Promise<{ readonly emailChanged: boolean } | undefined>;
}

export interface ImportRepsDeps {
  readonly reps: RepImports & RepByEmail;
  readonly config: Pick<RoutingConfig, 'teams'>;
  /** What an import with `update` changes existing reps through; without it, such an import is refused. */
  readonly updates?: ManageRepsDeps;
}

const ImportBodySchema = z.object({ reps: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_IMPORTED_REPS)), update: z.optional(z.boolean()) });

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
 *    a plain re-import changes: they are reachable again, at the row's address when it differs, which
 *    is how an admin fixes an address (a rep imported without an id is found by the address).
 *    Their team's queue is offered again, as they may take a lead that waited there: the drain
 *    is recorded in the write that makes them reachable, once per team and import (see `Drains`).
 * 5. An import that asks to `update` also gives an existing rep the row's admin fields
 *    (name, email, team, capacity, maxCapacity, as `reps update` sets them) and its `disabled`
 *    (switching them off or on, leads and sessions included). What reps set themselves in the
 *    portal (availability, products, languages, territory, hours) stays theirs.
 */
export async function importReps(body: unknown, deps: ImportRepsDeps): Promise<ImportReport> {
  const request = ImportBodySchema.safeParse(body);
  if (!request.success) {
    throw new MalformedRequest(
      `Send { "reps": [ ... ] } with 1 to ${MAX_IMPORTED_REPS} reps (a bigger file in several requests), and "update": true to change reps that exist`,
    );
  }
  const updates = request.data.update === true ? deps.updates : undefined;
  if (request.data.update === true && !updates) throw new Error('this import cannot update existing reps: no ManageRepsDeps given');
  const rows = validateRepRows(
    request.data.reps,
    deps.config.teams.map((team) => team.id),
  );
  const results: ImportRowResult[] = new Array(rows.length);
  const drains = new Drains();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < rows.length; i = next++) {
      const row = rows[i]!;
      results[i] = 'rep' in row ? await addRep(row, deps, updates, drains) : row;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_WRITES, rows.length) }, worker));
  const count = (status: ImportStatus) => results.filter((result) => result.status === status).length;
  return {
    results,
    created: count('created'),
    updated: count('updated'),
    exists: count('exists'),
    invalid: count('invalid'),
    reachableAgain: results.filter((result) => result.reachableAgain).length,
  };
}

/**
 * The team queue drains an import owes: one per team a rep came back to, recorded in the write
 * of a returner of that team, so no returner is committed without their team's drain committed
 * with them or before them. A returner's write carries it until one such write has committed for
 * the team in this import; rows written at the same time may each carry one (at most
 * PARALLEL_WRITES per team, and draining twice only looks at the queue twice).
 */
class Drains {
  readonly #recorded = new Set<string>();

  /** What a returner's write to `teamId` records: the drain, unless it is already recorded. */
  for(teamId: string): NewEffect[] {
    return this.#recorded.has(teamId) ? [] : [drainTeam(teamId)];
  }

  committed(teamId: string, carried: readonly NewEffect[]): void {
    if (carried.length > 0) this.#recorded.add(teamId);
  }
}

async function addRep({ index, rep, idGiven }: ValidRow, deps: ImportRepsDeps, updates: ManageRepsDeps | undefined, drains: Drains): Promise<ImportRowResult> {
  // Without an id the address is who the rep is: one who has it already exists, whatever their id.
  const known = idGiven ? undefined : await deps.reps.findByEmail(rep.email);
  if (known) return existingRep(index, known.id, rep, deps, updates, drains);
  try {
    if (await deps.reps.add(rep)) return { index, repId: rep.id, status: 'created' };
    return await existingRep(index, rep.id, rep, deps, updates, drains);
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

/** A rep who exists stays as they are, unless their address was marked unreachable or the import updates. */
async function existingRep(index: number, repId: string, row: ValidRow['rep'], deps: ImportRepsDeps, updates: ManageRepsDeps | undefined, drains: Drains): Promise<ImportRowResult> {
  // A rep back in routing may take a lead that waited in the team queue while they were out.
  const drain = drains.for(row.teamId);
  const reachable = await deps.reps.markReachable(repId, row.email, drain);
  if (reachable) drains.committed(row.teamId, drain);
  const result: ImportRowResult = reachable
    ? { index, repId, status: 'exists', reachableAgain: true, ...(reachable.emailChanged ? { emailChanged: true } : {}) }
    : { index, repId, status: 'exists' };
  if (!updates) return result;
  const changed: string[] = [];
  try {
    const { name, email, teamId, capacity, maxCapacity } = row;
    changed.push(...(await updateRep(repId, { name, email, teamId, capacity, ...(maxCapacity !== undefined ? { maxCapacity } : {}) }, updates)).changed);
  } catch (error) {
    // The row against the rep as stored: a capacity above the maximum they have, another rep's address.
    if (error instanceof InvalidLead) return { index, repId, status: 'invalid', errors: error.problems };
    throw error;
  }
  if (row.disabled !== undefined && (row.disabled ? await disableRep(repId, updates) : await enableRep(repId, updates)).changed) changed.push('disabled');
  return changed.length > 0 ? { ...result, status: 'updated', changed } : result;
}
