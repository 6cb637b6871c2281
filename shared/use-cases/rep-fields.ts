import * as z from '../zod.ts';
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
  z.number({ error: 'must be a whole number' }).check(z.int('must be a whole number'), z.minimum(0, 'must be 0 or more'), z.maximum(max, `must be at most ${max}`));

/** Rep ids end up in keys (`REP#<id>`), actor names (`rep:<id>`) and URLs: keep them plain. */
export const RepIdSchema = z.string().check(z.trim(), z.regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i, 'letters, digits, dots, dashes and underscores, at most 64, starting with a letter or digit'));

const Text = z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(100, 'must be at most 100 characters'));

/** The rep's working hours as the portal stores them, or as one line of text (`mon-fri 09:00-17:30; sat 10:00-14:00`). */
const WorkingHoursInput = z.pipe(
  z.transform((value: unknown, ctx) => {
    if (typeof value !== 'string') return value;
    const parsed = parseWorkingHoursText(value);
    if (parsed.ok) return parsed.hours;
    ctx.issues.push({ code: 'custom', input: value, message: parsed.message });
    return value;
  }),
  WorkingHoursSchema,
);

const Email = z.pipe(
  z.string().check(z.trim(), z.toLowerCase()),
  z.email('must be an email address').check(z.maxLength(254, 'must be at most 254 characters')),
);

const TeamId = (teamIds: readonly string[]) =>
  z.string({ error: 'required: one of the stack\'s team ids' }).check(
    z.trim(),
    z.refine((id) => teamIds.includes(id), { error: (issue) => `no team "${String(issue.input)}" in this stack (teams: ${teamIds.join(', ')})` }),
  );

/** A capacity above the maximum given with it is a problem of the capacity, naming the maximum. */
const capacityWithinMaximum = (rep: { capacity?: number | undefined; maxCapacity?: number | undefined }, ctx: z.core.$RefinementCtx) => {
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
      name: z.optional(Text),
      email: z.optional(Email),
      teamId: z.optional(TeamId(teamIds)),
      capacity: z.optional(WholeNumber(1000)),
      maxCapacity: z.optional(WholeNumber(1000)),
    })
    .check(z.superRefine(capacityWithinMaximum));
}

/**
 * One rep as an admin imports them: what `RepProfileSchema` needs from a person (the rest, load
 * counters and rotation state, starts fresh), with the team checked against the stack's config.
 * Strict, so a misspelt field ("capacty") is reported rather than silently dropped.
 */
export function repImportRowSchema(teamIds: readonly string[]) {
  const profile = z.pick(RepProfileSchema, { role: true, active: true, disabled: true, weight: true, outOfOfficeUntil: true, timeZone: true }).shape;
  return z
    .strictObject({
      ...profile,
      /** Absent: derived from the email, the same way every time, so a re-import finds the rep again. */
      id: z.optional(RepIdSchema),
      name: Text,
      email: Email,
      teamId: TeamId(teamIds),
      capacity: WholeNumber(1000),
      /** The most the rep may set in the portal; absent: the default (100). */
      maxCapacity: z.optional(WholeNumber(1000)),
      dailyCap: z.optional(WholeNumber(10_000)),
      weeklyCap: z.optional(WholeNumber(50_000)),
      products: z.optional(z.array(Text).check(z.maxLength(100, 'at most 100 products'))),
      languages: z.optional(
        z.array(z.string().check(z.trim(), z.toLowerCase(), z.regex(/^[a-z]{2}$/, 'a two-letter ISO 639-1 code such as de'))).check(z.maxLength(50, 'at most 50 languages')),
      ),
      territory: z.optional(TerritorySchema),
      workingHours: z.optional(WorkingHoursInput),
    })
    .check(z.superRefine(capacityWithinMaximum));
}
export type RepImportRow = z.infer<ReturnType<typeof repImportRowSchema>>;

/** Zod issues as field problems an admin can act on; unknown fields one by one. */
export function fieldProblems(error: z.core.$ZodError): FieldProblem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'not a rep field' }))
      : [{ field: issue.path.join('.') || '(row)', message: issue.message }],
  );
}
