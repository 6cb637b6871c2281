/**
 * HubSpot. A HubSpot customer can point three things at a webhook URL; this preset reads all of
 * them and tells them apart by shape:
 *
 * 1. A workflow's "Send a webhook" action with all properties (Operations/Data Hub Pro):
 *    https://developers.hubspot.com/docs/methods/workflows/webhook_information and
 *    https://knowledge.hubspot.com/workflows/how-do-i-use-webhooks-with-hubspot-workflows
 *    "The data will be the exact same data you'd get when pulling that object using the
 *    relevant object API": for a contact the legacy contact record, `{"vid", "canonical-vid",
 *    "portal-id", "properties": {"email": {"value": ..., "versions": [...]}, ...},
 *    "form-submissions": [{"conversion-id", "timestamp", "form-id", "page-url", ...}]}`.
 *    Property values given directly (`"properties": {"email": "..."}`) are read too.
 * 2. The same action with "Customize request body": a flat JSON object of the chosen
 *    properties, keyed as the user named them (by default the property names).
 * 3. A form submission as the Forms API returns it
 *    (https://developers.hubspot.com/docs/api-reference/legacy/marketing/forms/v1/get-form-integrations-v1-submissions-forms-form_guid):
 *    `{"conversionId", "submittedAt", "values": [{"name", "value"}], "pageUrl"}`, or as the
 *    Forms submit API takes it (`{"fields": [{"name", "value"}], "context": {"pageUri"},
 *    "legalConsentOptions"}`), which middleware that feeds both HubSpot and us forwards.
 *
 * eventId: the form submission's conversion id (shape 3, or the newest of the contact's
 * `form-submissions` in shape 1); else, for a contact, its vid with its latest conversion date.
 * A custom body (shape 2) carries no delivery id.
 */
import * as z from '../../zod.ts';
import { MalformedRequest } from '../../domain/errors.ts';
import type { CanonicalField, Preset, Submission } from '../submission.ts';
import { canonicalFor, fieldCollector, fieldValue, isRecord, mentionsConsent, text, type FieldCollector } from './field-names.ts';

/** HubSpot's default contact property names, in the order they claim a canonical field (phone before mobilephone). */
const hubspotProperties: readonly (readonly [string, CanonicalField])[] = [
  ['firstname', 'firstName'],
  ['lastname', 'lastName'],
  ['email', 'email'],
  ['phone', 'phone'],
  ['mobilephone', 'phone'],
  ['company', 'company'],
  ['country', 'country'],
  ['state', 'region'],
  ['city', 'city'],
  ['zip', 'postalCode'],
  ['message', 'message'],
  ['hs_language', 'language'],
];
const canonicalByProperty: ReadonlyMap<string, CanonicalField> = new Map(hubspotProperties);
const propertyRank: ReadonlyMap<string, number> = new Map(hubspotProperties.map(([name], index) => [name, index]));

/**
 * HubSpot's own bookkeeping in a full contact record (analytics, conversion counters, owner,
 * lifecycle, timestamps): dropped, so a lead carries what the person told us, not ~100 system
 * properties. Custom properties (product, budget...) are kept under their names.
 */
const systemProperty =
  /^(hs_|hubspot|num_|notes_|recent_|first_conversion|first_deal|ip_|engagements_|associated|days_to|lastmodifieddate$|createdate$|closedate$|lifecyclestage$|currentlyinworkflow$|twitter|linkedin|kloutscore|followercount|graduation_date$)/;

function canonicalOf(name: string): CanonicalField | undefined {
  return canonicalByProperty.get(name) ?? (mentionsConsent(name) ? 'consent' : canonicalFor(name));
}

/** Adds HubSpot properties, the default contact properties first so they claim their canonical field. */
function addProperties(fields: FieldCollector, entries: readonly (readonly [string, unknown])[]): void {
  const ranked = [...entries].sort(([a], [b]) => (propertyRank.get(a) ?? Infinity) - (propertyRank.get(b) ?? Infinity));
  for (const [name, value] of ranked) fields.add(name, fieldValue(value), canonicalOf(name));
}

/** `[{name, value}]` with repeated names (a multi-select sent as several values) joined. */
function namedValues(list: readonly { name: string; value?: unknown }[]): [string, unknown][] {
  const byName = new Map<string, unknown[]>();
  for (const { name, value } of list) byName.set(name, [...(byName.get(name) ?? []), value]);
  return [...byName].map(([name, values]) => [name, values.length === 1 ? values[0] : values]);
}

const NamedValue = z.looseObject({ name: z.string().check(z.minLength(1)), value: z.unknown() });

const FormSubmission = z.looseObject({
  values: z.array(NamedValue),
  conversionId: z.optional(z.string()),
  pageUrl: z.optional(z.string()),
});

const FormsSubmit = z.looseObject({
  fields: z.array(NamedValue),
  context: z.optional(z.looseObject({ pageUri: z.optional(z.string()) })),
  legalConsentOptions: z.optional(
    z.looseObject({
      consent: z.optional(
        z.looseObject({
          consentToProcess: z.optional(z.boolean()),
          communications: z.optional(z.array(z.looseObject({ value: z.boolean() }))),
        }),
      ),
    }),
  ),
});

const ContactRecord = z.looseObject({
  vid: z.optional(z.union([z.number(), z.string()])),
  'canonical-vid': z.optional(z.union([z.number(), z.string()])),
  properties: z.record(z.string(), z.unknown()),
  'form-submissions': z.nullish(
    z.array(z.looseObject({ 'conversion-id': z.optional(z.string()), timestamp: z.optional(z.number()), 'page-url': z.optional(z.string()) })),
  ),
});

function fromFormSubmission(body: z.infer<typeof FormSubmission>): Submission {
  const fields = fieldCollector();
  addProperties(fields, namedValues(body.values));
  const eventId = text(body.conversionId);
  const pageUrl = text(body.pageUrl);
  return { fields: fields.fields(), ...(eventId ? { eventId } : {}), ...(pageUrl ? { pageUrl } : {}) };
}

function fromFormsSubmit(body: z.infer<typeof FormsSubmit>): Submission {
  const fields = fieldCollector();
  // Marketing consent is the subscriptions ticked; without any, the consent to process.
  const consent = body.legalConsentOptions?.consent;
  const communications = consent?.communications ?? [];
  fields.add('consent', communications.length > 0 ? communications.some((item) => item.value) : consent?.consentToProcess, 'consent');
  addProperties(fields, namedValues(body.fields));
  const pageUrl = text(body.context?.pageUri);
  return { fields: fields.fields(), ...(pageUrl ? { pageUrl } : {}) };
}

function fromContactRecord(body: z.infer<typeof ContactRecord>): Submission {
  const fields = fieldCollector();
  const properties = Object.entries(body.properties)
    .filter(([name]) => !systemProperty.test(name) || canonicalByProperty.has(name))
    .map(([name, property]) => [name, isRecord(property) ? property.value : property] as const);
  addProperties(fields, properties);
  const latest = [...(body['form-submissions'] ?? [])].sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0))[0];
  const vid = text(body['canonical-vid'] ?? body.vid);
  const converted = body.properties.recent_conversion_date;
  const convertedAt = text(isRecord(converted) ? converted.value : converted);
  const eventId = text(latest?.['conversion-id']) ?? (vid && convertedAt ? `contact-${vid}-${convertedAt}` : undefined);
  const pageUrl = text(latest?.['page-url']);
  return { fields: fields.fields(), ...(eventId ? { eventId } : {}), ...(pageUrl ? { pageUrl } : {}) };
}

function fromCustomBody(body: Record<string, unknown>): Submission {
  const fields = fieldCollector();
  addProperties(fields, Object.entries(body));
  return { fields: fields.fields() };
}

function parsed<T>(schema: z.ZodMiniType<T>, body: unknown, shape: string): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new MalformedRequest(`Expected ${shape}`);
  return result.data;
}

export const hubspot: Preset = {
  id: 'hubspot',
  label: 'HubSpot',
  extract(body: unknown): Submission {
    if (!isRecord(body)) {
      throw new MalformedRequest('Expected a HubSpot JSON object: a workflow webhook (contact properties) or a form submission ({"values": [{"name", "value"}]})');
    }
    if ('values' in body) return fromFormSubmission(parsed(FormSubmission, body, 'a HubSpot form submission: {"conversionId", "values": [{"name", "value"}], "pageUrl"}'));
    if ('fields' in body && Array.isArray(body.fields)) {
      return fromFormsSubmit(parsed(FormsSubmit, body, 'a HubSpot form submission: {"fields": [{"name", "value"}], "context": {"pageUri"}}'));
    }
    if ('properties' in body) {
      return fromContactRecord(parsed(ContactRecord, body, 'a HubSpot workflow webhook: {"vid", "properties": {"email": {"value": ...}, ...}}'));
    }
    return fromCustomBody(body);
  },
};
