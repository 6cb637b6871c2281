/**
 * Facebook and Instagram Lead Ads, as Meta documents them:
 * - the webhook: https://developers.facebook.com/docs/graph-api/webhooks/getting-started (the
 *   subscription handshake and `X-Hub-Signature-256`) and
 *   https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving (the `leadgen`
 *   change: `{ object: "page", entry: [{ id, time, changes: [{ field: "leadgen", value: {
 *   leadgen_id, page_id, form_id, ad_id, adgroup_id, created_time } }] }] }`);
 * - the lead: `GET /{version}/{leadgen_id}` of the Graph API, answering `{ id, created_time,
 *   ad_id, form_id, campaign_id, field_data: [{ name, values: [...] }], platform }`.
 * Instagram lead ads arrive the same way, on the page that runs them (`platform: "ig"`).
 */
import * as z from '../../zod.ts';
import { Forbidden, MalformedRequest } from '../../domain/errors.ts';
import { fieldCollector, fieldValue } from '../presets/field-names.ts';
import { sameVerifyToken } from '../signatures.ts';
import type { CanonicalField, Submission } from '../submission.ts';
import { idText, parseExactJson } from './exact-json.ts';

/** One lead a notification announces. */
export interface FacebookLeadNotice {
  readonly leadgenId: string;
  /** page_id, form_id, ad_id, adgroup_id as sent, exact. */
  readonly details: Record<string, string>;
}

/** Meta sends a batch of at most a few hundred changes; more is not a notification. */
const MAX_LEADS = 500;
const DETAIL_KEYS = ['page_id', 'form_id', 'ad_id', 'adgroup_id'] as const;

/**
 * The leads a `leadgen` notification announces, in order, one per `leadgen` change of every
 * entry; other fields a page subscription may carry (feed, messages) are not leads and are left
 * out. Throws `MalformedRequest` naming what is not of Meta's shape.
 */
export function facebookLeadNotices(rawBody: string): FacebookLeadNotice[] {
  const body = parseExactJson(rawBody, 'The notification');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new MalformedRequest('Expected Meta\'s webhook object: { "object": "page", "entry": [...] }');
  const { object, entry } = body as { object?: unknown; entry?: unknown };
  if (object !== 'page') throw new MalformedRequest(`Expected "object": "page" (a Page subscription to leadgen), got ${JSON.stringify(object)?.slice(0, 40)}`);
  if (!Array.isArray(entry)) throw new MalformedRequest('"entry" must be a list of the page\'s changes');
  const notices: FacebookLeadNotice[] = [];
  entry.forEach((item: unknown, index) => {
    const changes = typeof item === 'object' && item !== null ? (item as { changes?: unknown }).changes : undefined;
    if (!Array.isArray(changes)) throw new MalformedRequest(`entry[${index}].changes must be a list`);
    changes.forEach((change: unknown, at) => {
      if (typeof change !== 'object' || change === null || (change as { field?: unknown }).field !== 'leadgen') return;
      const value = (change as { value?: unknown }).value;
      const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
      const leadgenId = idText(record.leadgen_id);
      if (!leadgenId || !/^\d{1,30}$/.test(leadgenId)) throw new MalformedRequest(`entry[${index}].changes[${at}].value.leadgen_id must be the lead's id (digits)`);
      const details: Record<string, string> = {};
      for (const key of DETAIL_KEYS) {
        const id = idText(record[key]);
        if (id) details[key] = id;
      }
      notices.push({ leadgenId, details });
    });
  });
  if (notices.length > MAX_LEADS) throw new MalformedRequest(`A notification of more than ${MAX_LEADS} leads is not one Meta sends`);
  return notices;
}

/**
 * Meta's subscription handshake (`GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`):
 * the challenge to echo back, when the token is the source's. Throws `MalformedRequest` when it
 * is not a handshake, `Forbidden` when the token is wrong.
 */
export function facebookHandshake(query: Readonly<Record<string, string | undefined>>, verifyToken: string): string {
  const mode = query['hub.mode'];
  const challenge = query['hub.challenge'];
  const token = query['hub.verify_token'];
  if (mode !== 'subscribe' || challenge === undefined || challenge === '') {
    throw new MalformedRequest('Expected Meta\'s subscription handshake: hub.mode=subscribe, hub.verify_token and hub.challenge');
  }
  if (challenge.length > 200) throw new MalformedRequest('hub.challenge is longer than Meta sends');
  if (!token || !sameVerifyToken(token, verifyToken)) throw new Forbidden('hub.verify_token is not this source\'s verify token (npm run admin -- sources shows it)');
  return challenge;
}

/** Meta's standard questions, by the field_data name the Graph API gives them. */
const standardQuestions: Readonly<Record<string, CanonicalField>> = {
  full_name: 'name',
  first_name: 'firstName',
  last_name: 'lastName',
  email: 'email',
  work_email: 'email',
  phone_number: 'phone',
  work_phone_number: 'phone',
  zip_code: 'postalCode',
  post_code: 'postalCode',
  postal_code: 'postalCode',
  country: 'country',
  city: 'city',
  state: 'region',
  province: 'region',
  company_name: 'company',
};

const GraphLeadSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  created_time: z.optional(z.string()),
  ad_id: z.optional(z.string()),
  form_id: z.optional(z.string()),
  campaign_id: z.optional(z.string()),
  adset_id: z.optional(z.string()),
  platform: z.optional(z.string()),
  is_organic: z.optional(z.boolean()),
  field_data: z.array(z.looseObject({ name: z.string().check(z.minLength(1), z.maxLength(200)), values: z._default(z.array(z.unknown()), []) })).check(z.maxLength(200)),
});

/** The fields the fetch asks the Graph API for (`fields=`). */
export const GRAPH_LEAD_FIELDS = 'id,created_time,ad_id,form_id,campaign_id,adset_id,platform,is_organic,field_data';

/**
 * A Graph API lead as a submission: the standard questions as canonical fields, custom
 * questions under their own names, the ad, form and campaign it came from kept with the lead,
 * and its id as the event id (a lead fetched twice is one lead).
 */
export function facebookLeadSubmission(lead: unknown): Submission {
  const parsed = GraphLeadSchema.safeParse(lead);
  if (!parsed.success) throw new MalformedRequest(`The Graph API lead is not of its documented shape: ${parsed.error.issues[0]?.path.join('.') || 'lead'} ${parsed.error.issues[0]?.message ?? ''}`.trim());
  const { id, field_data, ad_id, form_id, campaign_id, adset_id, platform, is_organic } = parsed.data;
  const collector = fieldCollector();
  for (const { name, values } of field_data) {
    const value = fieldValue(values.filter((item) => typeof item !== 'object' || item === null));
    collector.add(name, value, standardQuestions[name.toLowerCase()]);
  }
  const origin: [string, string | boolean | undefined][] = [
    ['ad_id', ad_id],
    ['form_id', form_id],
    ['campaign_id', campaign_id],
    ['adset_id', adset_id],
    ['platform', platform === 'ig' ? 'instagram' : platform === 'fb' ? 'facebook' : platform],
    ['is_organic', is_organic],
  ];
  for (const [name, value] of origin) if (value !== undefined && !collector.has(name)) collector.add(name, value);
  return { fields: collector.fields(), eventId: id };
}
