/**
 * Typeform webhook ("Example webhook payload"):
 * https://www.typeform.com/developers/webhooks/example-payload/
 *
 * JSON: `event_id`, `event_type: "form_response"`, `form_response` with `definition.fields`
 * (id, ref, title, type of each question), `answers` (each typed by `type`: text, email,
 * phone_number, number, boolean, date, url, file_url, choice, choices, payment...) pointing at
 * their question through `field.id`/`field.ref`, `hidden` (the form's hidden fields, often
 * utm_*) and `variables`. A partial response (`form_response_partial`) is not a lead and is
 * refused: turn partial responses off for the webhook.
 */
import * as z from '../../zod.ts';
import { MalformedRequest } from '../../domain/errors.ts';
import type { CanonicalField, Preset, Submission } from '../submission.ts';
import { canonicalFor, fieldCollector, fieldValue, mentionsConsent, type FieldValue } from './field-names.ts';

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

const Answer = z.looseObject({
  type: z.string(),
  field: z.looseObject({ id: z.string(), ref: z.optional(z.string()), type: z.optional(z.string()) }),
  choice: z.optional(z.looseObject({ label: z.optional(z.string()), other: z.optional(z.string()) })),
  choices: z.optional(z.looseObject({ labels: z.optional(z.array(z.string())), other: z.optional(z.string()) })),
});
type Answer = z.infer<typeof Answer>;

const Question = z.looseObject({ id: z.string(), ref: z.optional(z.string()), title: z.optional(z.string()), type: z.optional(z.string()) });

const TypeformWebhook = z.looseObject({
  event_id: z.string().check(z.minLength(1)),
  event_type: z.string(),
  form_response: z.looseObject({
    definition: z.nullish(z.looseObject({ fields: z.nullish(z.array(Question)) })),
    // Typeform sends null for a response without answers.
    answers: z.nullish(z.array(Answer)),
    hidden: z.nullish(z.record(z.string(), z.nullable(Scalar))),
    variables: z.nullish(z.array(z.looseObject({ key: z.string(), type: z.string() }))),
  }),
});

/** The answer's value, read from the property its `type` names. */
function answerValue(answer: Answer, name: string): FieldValue | undefined {
  switch (answer.type) {
    case 'choice':
      return fieldValue(answer.choice?.label ?? answer.choice?.other);
    case 'choices':
      return fieldValue([...(answer.choices?.labels ?? []), ...(answer.choices?.other ? [answer.choices.other] : [])]);
    case 'payment':
      // Card details are not lead data.
      return undefined;
    default: {
      // Only the answer's own properties: a type such as "constructor" names no answer.
      const value = Object.hasOwn(answer, answer.type) ? answer[answer.type] : undefined;
      return value === null || typeof value === 'object' ? undefined : fieldValue(value);
    }
  }
}

/**
 * The canonical field an answer fills: its type where the type says it (email, phone_number),
 * a yes/no or legal question about consent, else what the question's ref or title plainly
 * names ("first_name", "Company").
 */
function canonicalOf(answer: Answer, question: z.infer<typeof Question> | undefined): CanonicalField | undefined {
  if (answer.type === 'email') return 'email';
  if (answer.type === 'phone_number') return 'phone';
  const labels = [answer.field.ref ?? question?.ref, question?.title].filter((label): label is string => label !== undefined);
  if (question?.type === 'legal' || answer.field.type === 'legal') {
    // A legal question is an acceptance by design ("I accept the privacy policy").
    return labels.some((label) => mentionsConsent(label) || /accept|agree/i.test(label)) ? 'consent' : undefined;
  }
  if (answer.type === 'boolean') return labels.some(mentionsConsent) ? 'consent' : undefined;
  for (const label of labels) {
    const canonical = canonicalFor(label);
    if (canonical && canonical !== 'consent') return canonical;
  }
  return undefined;
}

export const typeform: Preset = {
  id: 'typeform',
  label: 'Typeform',
  extract(body: unknown): Submission {
    const parsed = TypeformWebhook.safeParse(body);
    if (!parsed.success) {
      throw new MalformedRequest('Expected a Typeform webhook: {"event_id", "event_type": "form_response", "form_response": {"answers": [...]}}');
    }
    const { event_id: eventId, event_type: eventType, form_response: response } = parsed.data;
    if (eventType !== 'form_response') {
      throw new MalformedRequest(`Typeform event_type "${eventType}" is not a submitted form; only form_response is accepted`);
    }
    const questions = new Map((response.definition?.fields ?? []).map((question) => [question.id, question]));
    const fields = fieldCollector();
    for (const answer of response.answers ?? []) {
      const question = questions.get(answer.field.id);
      // The ref is stable when questions are reworded; the id is the fallback Typeform always sends.
      const name = answer.field.ref ?? question?.ref ?? answer.field.id;
      fields.add(name, answerValue(answer, name), canonicalOf(answer, question));
    }
    // Hidden fields keep their own names: utm_source & co. must reach the lead as they are.
    for (const [name, value] of Object.entries(response.hidden ?? {})) fields.add(name, fieldValue(value));
    for (const variable of response.variables ?? []) {
      const value = Object.hasOwn(variable, variable.type) ? variable[variable.type] : undefined;
      fields.add(variable.key, typeof value === 'object' ? undefined : fieldValue(value));
    }
    return { fields: fields.fields(), eventId };
  },
};
