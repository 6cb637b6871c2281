/**
 * JotForm webhooks (https://www.jotform.com/help/245-how-to-setup-a-webhook-with-jotform/):
 * a `multipart/form-data` POST to the URL given in Settings → Integrations → WebHooks, with
 * `formID`, `submissionID`, `formTitle`, `ip`, `pretty` (the answers as "Label:value, ..." text)
 * and `rawRequest`: the submitted form as a JSON string, each answer keyed `q<N>_<name>` after
 * the question's unique name (`q3_email`, `q4_name`, `q5_phoneNumber`). Composite answers are
 * objects: a Full Name `{first, last}` (`q4_name[first]` when posted flat), a Phone `{full}` or
 * `{area, phone}`, an Address `{addr_line1, addr_line2, city, state, postal, country}`.
 *
 * The `q<N>_` prefix is dropped and the rest names the field ("email", "phoneNumber",
 * "fullName"), the canonical field guessed from it; a question renamed by the form's author
 * keeps its name ("heizung"). JotForm's own bookkeeping in rawRequest (slug, event_id, build
 * date, timing) has no `q<N>_` and is dropped. Without a rawRequest, the post's own `q<N>_`
 * fields are read the same way. eventId: `submissionID`.
 */
import { MalformedRequest } from '../../domain/errors.ts';
import type { CanonicalField, Preset, Submission } from '../submission.ts';
import { fieldCollector, fieldValue, isRecord, text, type FieldCollector } from './field-names.ts';

const QUESTION = /^q\d{1,4}_(.+)$/;
/** `q4_name[first]`: one input of a composite answer posted flat. */
const FLAT_INPUT = /^(q\d{1,4}_[^[\]]+)\[([^[\]]*)\]$/;

/** Parts of a composite answer that fill a canonical field, whatever the question is named. */
const canonicalParts: Readonly<Record<string, CanonicalField>> = {
  first: 'firstName',
  last: 'lastName',
  city: 'city',
  state: 'region',
  postal: 'postalCode',
  country: 'country',
};

/** A Phone answer as one number: `full` when JotForm gives it, else area code and number. */
function phoneOf(answer: Record<string, unknown>): string | undefined {
  const full = text(answer.full);
  if (full) return full;
  const parts = [text(answer.country), text(answer.area), text(answer.phone)].filter((part) => part !== undefined);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** A Date answer `{month, day, year}` as an ISO date, the way a rep and a sort both read it. */
function dateOf(answer: Record<string, unknown>): string | undefined {
  const [year, month, day] = [text(answer.year), text(answer.month), text(answer.day)];
  return year && month && day ? `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}` : undefined;
}

/** One answer, plain or composite (a name, a phone, an address, a date...), under the question's name. */
function addAnswer(fields: FieldCollector, name: string, value: unknown): void {
  if (!isRecord(value)) {
    fields.addGuessed(name, fieldValue(value));
    return;
  }
  if ('full' in value || 'area' in value || 'phone' in value) {
    fields.addGuessed(name, phoneOf(value));
    return;
  }
  if ('year' in value && 'month' in value && 'day' in value) {
    fields.add(name, dateOf(value));
    return;
  }
  const rest: unknown[] = [];
  for (const [part, item] of Object.entries(value)) {
    if (isRecord(item)) continue;
    const canonical = canonicalParts[part];
    if (canonical) fields.add(`${name}.${part}`, fieldValue(item), canonical);
    else rest.push(item);
  }
  // The street of an address, a middle name or a prefix: the other parts as one text.
  fields.add(name, fieldValue(rest.filter((item) => fieldValue(item) !== undefined)));
}

/** The answers of a submission: `q<N>_` keys only, composite ones posted flat gathered first. */
function answersOf(source: Record<string, unknown>): Map<string, unknown> {
  const answers = new Map<string, unknown>();
  for (const [key, value] of Object.entries(source)) {
    const flat = FLAT_INPUT.exec(key);
    if (flat) {
      const composite = answers.get(flat[1]!);
      const parts: Record<string, unknown> = isRecord(composite) ? composite : Object.create(null);
      parts[flat[2]!] = value;
      answers.set(flat[1]!, parts);
    } else if (QUESTION.test(key)) {
      answers.set(key, value);
    }
  }
  return answers;
}

function rawRequestOf(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const raw = body.rawRequest;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new MalformedRequest('JotForm rawRequest must be the submission as a JSON string');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw) as unknown;
  } catch {
    // Not the parser's message: it would quote the answers.
    throw new MalformedRequest('JotForm rawRequest is not valid JSON');
  }
  if (!isRecord(parsed)) throw new MalformedRequest('JotForm rawRequest must be a JSON object of the answers');
  return parsed;
}

export const jotform: Preset = {
  id: 'jotform',
  label: 'JotForm',
  extract(body: unknown): Submission {
    if (!isRecord(body)) throw new MalformedRequest('Expected a JotForm webhook: a multipart post with formID, submissionID and rawRequest');
    const answers = answersOf(rawRequestOf(body) ?? body);
    if (answers.size === 0) {
      throw new MalformedRequest('Expected a JotForm webhook: no answers (q<N>_… fields) in rawRequest or in the post; send the webhook JotForm posts (formID, submissionID, rawRequest)');
    }
    const fields = fieldCollector();
    for (const [key, value] of answers) addAnswer(fields, QUESTION.exec(key)![1]!, value);
    fields.add('form_id', fieldValue(text(body.formID)));
    const eventId = text(body.submissionID);
    return { fields: fields.fields(), ...(eventId ? { eventId } : {}) };
  },
};
