/**
 * Unbounce form webhook ("Using a Webhook"):
 * https://documentation.unbounce.com/hc/en-us/articles/203510044-Using-a-Webhook
 *
 * Unbounce POSTs `application/x-www-form-urlencoded` with `page_id`, `page_name`, `page_url`,
 * `variant`, `data.json` (a JSON object whose every value is an array of strings, keyed by the
 * form's field ids) and `data.xml` (the same as XML, ignored here). Inside `data.json` Unbounce
 * adds its own metadata: `ip_address`, `page_uuid`, `variant`, `time_submitted`,
 * `date_submitted`, `page_url`, `page_name`. Body layout confirmed against Snowplow's Unbounce
 * adapter fixtures (real deliveries). Unbounce neither signs its posts nor sends a delivery id,
 * so there is no eventId.
 */
import * as z from '../../zod.ts';
import { MalformedRequest } from '../../domain/errors.ts';
import type { Preset, Submission } from '../submission.ts';
import { fieldCollector, fieldValue, isRecord, text } from './field-names.ts';

const DataJson = z.record(z.string(), z.union([z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])), z.string(), z.number(), z.boolean(), z.null()]));

/**
 * Unbounce's own additions to every submission. Dropped: the visitor's IP and Unbounce's ids
 * and timestamps are not lead data (we stamp the lead ourselves). Kept under their own names:
 * the page's name and the A/B variant, which marketing reports on. `page_url` becomes the
 * submission's page.
 */
const dropped: ReadonlySet<string> = new Set(['ip_address', 'page_uuid', 'page_id', 'time_submitted', 'date_submitted', 'page_url']);

function parseDataJson(value: unknown): z.infer<typeof DataJson> {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      // Without the parser's error as the cause: its message quotes the field.
      throw new MalformedRequest('Unbounce field "data.json" is not valid JSON');
    }
  }
  const result = DataJson.safeParse(parsed);
  if (!result.success) {
    throw new MalformedRequest('Unbounce field "data.json" must be an object of form field ids to lists of values, e.g. {"email":["dana@example.com"]}');
  }
  return result.data;
}

export const unbounce: Preset = {
  id: 'unbounce',
  label: 'Unbounce',
  extract(body: unknown): Submission {
    if (!isRecord(body) || body['data.json'] === undefined) {
      throw new MalformedRequest('Expected an Unbounce form webhook: a form post with a "data.json" field (and page_id, page_url, variant)');
    }
    const data = parseDataJson(body['data.json']);
    const fields = fieldCollector();
    for (const [name, value] of Object.entries(data)) {
      if (dropped.has(name)) continue;
      fields.addGuessed(name, fieldValue(value));
    }
    // The top-level copies win where data.json lacks them (older pages send only these).
    fields.add('page_name', text(body.page_name));
    fields.add('variant', text(body.variant));
    const pageUrl = text(body.page_url) ?? text(fieldValue(data.page_url));
    return { fields: fields.fields(), ...(pageUrl ? { pageUrl } : {}) };
  },
};
