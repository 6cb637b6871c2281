import { z } from 'zod';
import { parseWorkingHoursText } from '../admin/working-hours-text.ts';
import type { FieldProblem } from '../domain/errors.ts';
import { TerritorySchema } from '../routing/config-schema.ts';
import { RepProfileSchema } from '../routing/eligibility.ts';
import { WorkingHoursSchema } from '../routing/working-hours.ts';

/**
 * The rules of the fields an admin gives a rep, in one place: the rows of an import and the
 * changes of `reps update` are checked by the same schemas, with the same messages.
 */

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

const Email = z.string().trim().toLowerCase().pipe(z.email('must be an email address').max(254, 'must be at most 254 characters'));

const TeamId = (teamIds: readonly string[]) =>
  z
    .string({ error: 'required: one of the stack\'s team ids' })
    .trim()
    .refine((id) => teamIds.includes(id), { error: (issue) => `no team "${String(issue.input)}" in this stack (teams: ${teamIds.join(', ')})` });

/** A capacity above the maximum given with it is a problem of the capacity, naming the maximum. */
const capacityWithinMaximum = (rep: { capacity?: number | undefined; maxCapacity?: number | undefined }, ctx: z.RefinementCtx) => {
  if (rep.capacity !== undefined && rep.maxCapacity !== undefined && rep.capacity > rep.maxCapacity) {
    ctx.addIssue({ code: 'custom', path: ['capacity'], message: `must be at most the maxCapacity of ${rep.maxCapacity}` });
  }
};

/**
 * An admin's change to an existing rep (`PATCH /admin/reps/{repId}`): the fields only an admin
 * sets, each optional. Strict, like an import row, so a misspelt field is reported.
 */
export function repChangeSchema(teamIds: readonly string[]) {
  return z
    .strictObject({
      name: Text.optional(),
      email: Email.optional(),
      teamId: TeamId(teamIds).optional(),
      capacity: WholeNumber(1000).optional(),
      maxCapacity: WholeNumber(1000).optional(),
    })
    .superRefine(capacityWithinMaximum);
}

/**
 * One rep as an admin imports them: what `RepProfileSchema` needs from a person (the rest, load
 * counters and rotation state, starts fresh), with the team checked against the stack's config.
 * Strict, so a misspelt field ("capacty") is reported rather than silently dropped.
 */
export function repImportRowSchema(teamIds: readonly string[]) {
  const profile = RepProfileSchema.pick({ role: true, active: true, disabled: true, weight: true, outOfOfficeUntil: true, timeZone: true }).shape;
  return z
    .strictObject({
      ...profile,
      /** Absent: derived from the email, the same way every time, so a re-import finds the rep again. */
      id: RepIdSchema.optional(),
      name: Text,
      email: Email,
      teamId: TeamId(teamIds),
      capacity: WholeNumber(1000),
      /** The most the rep may set in the portal; absent: the default (100). */
      maxCapacity: WholeNumber(1000).optional(),
      dailyCap: WholeNumber(10_000).optional(),
      weeklyCap: WholeNumber(50_000).optional(),
      products: z.array(Text).max(100, 'at most 100 products').optional(),
      languages: z
        .array(z.string().trim().toLowerCase().regex(/^[a-z]{2}$/, 'a two-letter ISO 639-1 code such as de'))
        .max(50, 'at most 50 languages')
        .optional(),
      territory: TerritorySchema.optional(),
      workingHours: WorkingHoursInput.optional(),
    })
    .superRefine(capacityWithinMaximum);
}
export type RepImportRow = z.infer<ReturnType<typeof repImportRowSchema>>;

/** Zod issues as field problems an admin can act on; unknown fields one by one. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'not a rep field' }))
      : [{ field: issue.path.join('.') || '(row)', message: issue.message }],
  );
}
