/**
 * Google Ads lead form extensions, delivered by the form's webhook integration
 * (https://developers.google.com/google-ads/webhook/docs/implementation).
 *
 * JSON: `lead_id` (unique across forms; Google's advice is to dedupe on it), `user_column_data`
 * (one `{column_id, column_name, string_value}` per answer: `column_id` FULL_NAME, EMAIL,
 * PHONE_NUMBER... for Google's standard questions, QUESTION_1... for the advertiser's own, and
 * `column_name` the question as the form shows it, not always sent), `api_version`, `form_id`,
 * `campaign_id`, `adgroup_id`, `creative_id`, `asset_group_id` (Performance Max), `gcl_id`,
 * `is_test` (the form's "Send test data" button), `lead_submit_time`, and `google_key`: the key
 * the advertiser set with the webhook, Google's only proof that the delivery is theirs. Google
 * asks to ignore fields it may add later; unknown properties are.
 *
 * Google's key rides in the body, so a google-ads source is a token source whose token this
 * preset reads from `google_key` (some of Google's samples spell it `Google_key`); the key is
 * never kept as a field. A test lead is stored and routed like any other, marked `test: true`,
 * so the button proves the whole way through to the rep's email.
 */
import * as z from '../../zod.ts';
import { MalformedRequest } from '../../domain/errors.ts';
import type { CanonicalField, Preset, Submission } from '../submission.ts';
import { fieldCollector, fieldValue, isRecord, text } from './field-names.ts';

/** Google's standard questions: the canonical field each fills, or the stable name it is kept under. */
const standardColumns: Readonly<Record<string, { readonly canonical?: CanonicalField; readonly name: string }>> = {
  FULL_NAME: { canonical: 'name', name: 'fullName' },
  FIRST_NAME: { canonical: 'firstName', name: 'firstName' },
  LAST_NAME: { canonical: 'lastName', name: 'lastName' },
  EMAIL: { canonical: 'email', name: 'email' },
  PHONE_NUMBER: { canonical: 'phone', name: 'phone' },
  // Read after the others: the contact when the form asks for no personal one, else kept beside it.
  WORK_EMAIL: { canonical: 'email', name: 'workEmail' },
  WORK_PHONE: { canonical: 'phone', name: 'workPhone' },
  COMPANY_NAME: { canonical: 'company', name: 'company' },
  POSTAL_CODE: { canonical: 'postalCode', name: 'postalCode' },
  CITY: { canonical: 'city', name: 'city' },
  REGION: { canonical: 'region', name: 'region' },
  COUNTRY: { canonical: 'country', name: 'country' },
  STREET_ADDRESS: { name: 'streetAddress' },
  JOB_TITLE: { name: 'jobTitle' },
};

/**
 * Reporting ids kept with the lead under Google's names; `gcl_id` becomes `gclid`, the name the
 * click id has on landing pages (`UtmParameters`), so a report sees one click id for both.
 */
const reportingFields = ['campaign_id', 'adgroup_id', 'creative_id', 'asset_group_id', 'form_id', 'api_version', 'lead_submit_time'] as const;

const Id = z.union([z.string(), z.number()]);

const Column = z.looseObject({
  column_id: z.optional(z.string()),
  column_name: z.optional(z.string()),
  string_value: z.nullish(z.string()),
});

const GoogleAdsLead = z.looseObject({
  lead_id: z.string().check(z.minLength(1)),
  user_column_data: z.array(Column),
  is_test: z.optional(z.boolean()),
  gcl_id: z.nullish(z.string()),
  ...Object.fromEntries(reportingFields.map((name) => [name, z.nullish(Id)])),
});

const SHAPE = '{"lead_id", "user_column_data": [{"column_id", "string_value"}, ...], "google_key"}';

/** The first thing that keeps a body from being Google's shape, e.g. `user_column_data.2.string_value: expected string`. */
function whatIsWrong(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'not a lead';
  const path = issue.path.map(String).join('.');
  if (!path) return 'not a JSON object';
  const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
  return missing ? `${path} is missing` : `${path}: ${issue.message.replace(/^Invalid input: /, '')}`;
}

export const googleAds: Preset = {
  id: 'google-ads',
  label: 'Google Ads lead form',
  extract(body: unknown): Submission {
    const parsed = GoogleAdsLead.safeParse(body);
    if (!parsed.success) throw new MalformedRequest(`Expected a Google Ads lead form webhook ${SHAPE}: ${whatIsWrong(parsed.error)}`);
    const lead = parsed.data;
    const fields = fieldCollector();
    const isWork = (column: z.infer<typeof Column>) => column.column_id === 'WORK_EMAIL' || column.column_id === 'WORK_PHONE';
    const columns = [...lead.user_column_data.filter((column) => !isWork(column)), ...lead.user_column_data.filter(isWork)];
    for (const column of columns) {
      const standard = column.column_id ? standardColumns[column.column_id] : undefined;
      // An advertiser's own question is known by its wording; its id (QUESTION_1) only when Google sends no wording.
      const name = standard?.name ?? text(column.column_name) ?? text(column.column_id);
      if (name === undefined) continue;
      const value = fieldValue(column.string_value);
      if (standard) fields.add(name, value, standard.canonical);
      else if (column.column_id) fields.add(name, value);
      // Google's first webhook version sent only `column_name` ("User Email"): guess from it.
      else fields.addGuessed(name, value);
    }
    const record = lead as Record<string, unknown>;
    for (const name of reportingFields) fields.add(name, fieldValue(record[name]));
    fields.add('gclid', fieldValue(lead.gcl_id));
    if (lead.is_test === true) fields.add('test', true);
    return { fields: fields.fields(), eventId: lead.lead_id };
  },
  bodyToken: {
    read: (body) => (isRecord(body) ? (text(body.google_key) ?? text(body.Google_key)) : undefined),
    where: "the body's google_key (the Key of the lead form's webhook in Google Ads)",
  },
};
