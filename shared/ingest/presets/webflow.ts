/**
 * Webflow form submission webhook (`form_submission` trigger):
 * https://developers.webflow.com/data/reference/webhooks/events/form-submission (v2)
 * https://developers.webflow.com/data/v1.0.0/reference/form_submission (v1)
 *
 * v2 (Data API v2 webhooks): `{"triggerType": "form_submission", "payload": {"name", "siteId",
 * "data": {field label: value}, "schema": [...], "submittedAt", "id", "formId",
 * "formElementId"}}`. Deliveries seen in the wild also carry `pageId`, `publishedPath` and
 * `pageUrl`; the docs' example does not show them, so `pageUrl` is read when present.
 * v1 (legacy webhooks): `{"name", "site", "data", "d", "_id"}`.
 * eventId: the submission's `id` (v2) or `_id` (v1), the same on every retry of a delivery.
 */
import * as z from '../../zod.ts';
import { MalformedRequest } from '../../domain/errors.ts';
import type { Preset, Submission } from '../submission.ts';
import { fieldCollector, fieldValue, isRecord, text } from './field-names.ts';

const Data = z.record(z.string(), z.unknown());

const V2 = z.looseObject({
  triggerType: z.string(),
  payload: z.looseObject({
    name: z.optional(z.string()),
    data: Data,
    id: z.string().check(z.minLength(1)),
    pageUrl: z.optional(z.string()),
  }),
});

const V1 = z.looseObject({ name: z.optional(z.string()), site: z.optional(z.string()), data: Data, _id: z.string().check(z.minLength(1)) });

function submission(data: Record<string, unknown>, eventId: string, pageUrl: string | undefined): Submission {
  const fields = fieldCollector();
  // Webflow keys the data by the field's label ("First Name", "Phone Number", "email").
  for (const [label, value] of Object.entries(data)) fields.addGuessed(label, fieldValue(value));
  return { fields: fields.fields(), eventId, ...(pageUrl ? { pageUrl } : {}) };
}

export const webflow: Preset = {
  id: 'webflow',
  label: 'Webflow',
  extract(body: unknown): Submission {
    if (isRecord(body) && 'triggerType' in body) {
      const v2 = V2.safeParse(body);
      if (!v2.success) {
        throw new MalformedRequest('Expected a Webflow form_submission webhook: {"triggerType": "form_submission", "payload": {"id", "data": {...}}}');
      }
      if (v2.data.triggerType !== 'form_submission') {
        throw new MalformedRequest(`Webflow triggerType "${v2.data.triggerType}" is not a form submission; subscribe this webhook to form_submission only`);
      }
      return submission(v2.data.payload.data, v2.data.payload.id, text(v2.data.payload.pageUrl));
    }
    const v1 = V1.safeParse(body);
    if (!v1.success) {
      throw new MalformedRequest(
        'Expected a Webflow form_submission webhook: {"triggerType": "form_submission", "payload": {"id", "data": {...}}} (or the legacy {"_id", "data": {...}})',
      );
    }
    return submission(v1.data.data, v1.data._id, undefined);
  },
};
