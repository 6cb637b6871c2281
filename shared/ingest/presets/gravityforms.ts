/**
 * Gravity Forms, through its Webhooks Add-On (https://docs.gravityforms.com/triggering-webhooks-form-submissions/)
 * with Request Body "All Fields": the entry object (https://docs.gravityforms.com/entry-object/)
 * as JSON (Request Format JSON) or as a form post (FORM). Answers are keyed by the form's field
 * ids ("2", "3"), the inputs of a multi-input field by `<field>.<input>` ("1.3"); beside them
 * the entry's meta: `id`, `form_id`, `date_created`, `source_url`, `ip`, `user_agent`,
 * `status`, payment and read/starred flags. With "Select Fields" the keys are the ones the
 * admin typed, read like any form's.
 *
 * A field id says nothing of what the field is, so the source's `mapping` names them
 * (`{"email": "2", "phone": "3"}`). Without a mapping the Name field's inputs are recognised:
 * `.3` first, `.6` last, `.4` middle, `.8` suffix, `.2` the prefix (dropped). A multi-input field
 * whose inputs are not a Name's (an Address has `.1` street; checkboxes `.1`, `.2`...) is kept
 * as one field, its non-empty inputs joined with ", ". Other ids keep their number.
 *
 * eventId: the entry id, per form (`<form_id>:<id>`); `source_url` is the page; `form_id` and
 * `date_created` are kept, the rest of the meta is the site's bookkeeping and dropped.
 */
import { MalformedRequest } from '../../domain/errors.ts';
import type { CanonicalField, ExtractOptions, Preset, Submission } from '../submission.ts';
import { fieldCollector, fieldValue, isRecord, text, type FieldCollector } from './field-names.ts';

const FIELD_ID = /^(\d{1,4})(?:\.(\d{1,3}))?$/;

/** Entry meta kept with the lead under these names. */
const keptMeta = ['form_id', 'date_created'] as const;

/** Entry meta that is the site's bookkeeping (and the visitor's IP and browser), not what the person told us. */
const droppedMeta: ReadonlySet<string> = new Set([
  'id',
  'source_url',
  'post_id',
  'date_updated',
  'is_starred',
  'is_read',
  'ip',
  'user_agent',
  'status',
  'currency',
  'payment_status',
  'payment_date',
  'payment_amount',
  'payment_method',
  'transaction_id',
  'is_fulfilled',
  'created_by',
  'transaction_type',
  'source_id',
]);

/** The inputs of a Name field; no other field's inputs are a subset of these (an Address and checkboxes have `.1`). */
const nameInputs: Readonly<Record<string, { readonly canonical?: CanonicalField; readonly suffix?: string }>> = {
  '2': {},
  '3': { canonical: 'firstName' },
  '4': { suffix: 'middleName' },
  '6': { canonical: 'lastName' },
  '8': { suffix: 'nameSuffix' },
};

/**
 * A multi-input field, told by which inputs the entry has (mapped ones too: an Address whose
 * street alone is unmapped is still an Address); inputs the source maps are left to it.
 */
function addField(fields: FieldCollector, id: string, inputs: ReadonlyMap<string, unknown>, mapped: ReadonlySet<string>): void {
  const isName = [...inputs.keys()].every((input) => Object.hasOwn(nameInputs, input));
  const unmapped = [...inputs.entries()].filter(([input]) => !mapped.has(`${id}.${input}`));
  if (isName) {
    for (const [input, value] of unmapped) {
      const role = nameInputs[input]!;
      if (role.canonical) fields.add(`${id}.${input}`, fieldValue(value), role.canonical);
      else if (role.suffix) fields.add(`${id}.${role.suffix}`, fieldValue(value));
    }
    return;
  }
  const values = unmapped.sort(([a], [b]) => Number(a) - Number(b)).map(([input, value]) => fieldValue(value));
  fields.add(id, fieldValue(values.filter((value) => value !== undefined)));
}

export const gravityforms: Preset = {
  id: 'gravityforms',
  label: 'Gravity Forms (Webhooks Add-On)',
  extract(body: unknown, options: ExtractOptions = {}): Submission {
    if (!isRecord(body)) throw new MalformedRequest('Expected a Gravity Forms entry: one JSON object such as {"id": "42", "form_id": "3", "1.3": "Dana", "2": "dana@example.com"}');
    const entries = Object.entries(body);
    if (!Object.hasOwn(body, 'form_id') && !entries.some(([key]) => FIELD_ID.test(key))) {
      throw new MalformedRequest('Expected a Gravity Forms entry: neither its form_id nor any field id ("1", "1.3") is in the body; send the Webhooks Add-On\'s "All Fields" body');
    }
    const mapped = options.mapped ?? new Set<string>();
    const fields = fieldCollector();
    // A multi-input field's inputs, gathered so the field is read as a whole (a Name, an Address).
    const multiInput = new Map<string, Map<string, unknown>>();
    for (const [key, value] of entries) {
      const id = FIELD_ID.exec(key);
      if (mapped.has(key) || (id && id[2] === undefined)) fields.add(key, fieldValue(value));
      if (id && id[2] !== undefined) {
        const inputs = multiInput.get(id[1]!) ?? new Map<string, unknown>();
        inputs.set(id[2]!, value);
        multiInput.set(id[1]!, inputs);
      } else if (!id && !mapped.has(key) && !droppedMeta.has(key) && !(keptMeta as readonly string[]).includes(key)) {
        // "Select Fields" keys, or an add-on's own ("gpdf_…" links): guessed as any form's.
        fields.addGuessed(key, fieldValue(value));
      }
    }
    for (const [id, inputs] of multiInput) addField(fields, id, inputs, mapped);
    for (const name of keptMeta) fields.add(name, fieldValue(body[name]));

    const entryId = text(body.id);
    const formId = text(body.form_id);
    const pageUrl = text(body.source_url);
    return {
      fields: fields.fields(),
      ...(entryId ? { eventId: formId ? `${formId}:${entryId}` : entryId } : {}),
      ...(pageUrl ? { pageUrl } : {}),
    };
  },
};
