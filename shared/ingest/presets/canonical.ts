/**
 * Our own flat shape, as the README's first `curl` posts it: one JSON object (or form post) of
 * field name -> value, keyed by our canonical names (`CanonicalFields` in ../submission.ts:
 * firstName, email, phone, postalCode...) or anything else, which is kept as the sender named
 * it. Senders are our own landing pages and partner servers signing with the lead-router scheme.
 * Documentation: README.md (Run it locally) and shared/ingest/submission.ts.
 */
import { MalformedRequest } from '../../domain/errors.ts';
import type { Preset, Submission } from '../submission.ts';
import { fieldCollector, fieldValue, isRecord, text } from './field-names.ts';

/** Where the form was filled in, when the page sends it along; it is the submission's page, not a field. */
const PAGE_URL = 'pageUrl';

export const canonical: Preset = {
  id: 'canonical',
  label: 'Lead Router JSON or form post',
  extract(body: unknown): Submission {
    if (!isRecord(body)) {
      throw new MalformedRequest('Expected one JSON object of field names to values, e.g. {"firstName":"Dana","email":"dana@example.com"}');
    }
    const fields = fieldCollector();
    // No eventId: senders of this shape use the Idempotency-Key header for retries.
    for (const [name, value] of Object.entries(body)) {
      if (name === PAGE_URL) continue;
      fields.add(name, fieldValue(value));
    }
    const pageUrl = text(body[PAGE_URL]);
    return { fields: fields.fields(), ...(pageUrl ? { pageUrl } : {}) };
  },
};
