/**
 * Zapier's "Webhooks by Zapier" POST action and Make's HTTP "Make a request" module:
 * https://help.zapier.com/hc/en-us/articles/8496326446989-Send-webhooks-in-Zaps
 * https://apps.make.com/http
 *
 * The user builds the body: key/value pairs sent as JSON or as a form (Zapier's Payload Type
 * "json" or "form"; Make's "Body content type"). Zapier's "Unflatten" (on by default) nests
 * keys written `contact__email` as {"contact": {"email"}}, and "Wrap Request In Array" sends
 * `[{...}]`. So: one object, or an array of exactly one; nested objects are flattened with dotted
 * keys ("contact.email"); each field's canonical name is guessed from the whole key
 * ("company.name" is the company), then from its last part ("contact.email" is the email);
 * everything else keeps its key.
 *
 * eventId: only an explicit delivery id (`event_id`, `eventId`, `delivery_id`, `deliveryId`,
 * `idempotency_key`) at the top level. A plain `id` could as well be a contact's id that comes
 * again with every update, so it is kept as a field and never used to drop a delivery.
 */
import { MalformedRequest } from '../../domain/errors.ts';
import type { Preset, Submission } from '../submission.ts';
import { canonicalFor, fieldCollector, fieldValue, isRecord, text, type FieldValue } from './field-names.ts';

const eventIdKeys = ['event_id', 'eventId', 'delivery_id', 'deliveryId', 'idempotency_key'] as const;
const pageUrlKeys = ['page_url', 'pageUrl'] as const;
/** Deep enough for any form someone maps by hand. */
const MAX_DEPTH = 5;

/** [dotted key, value] for every plain value (or list of plain values) in the object. */
function flatten(value: Record<string, unknown> | readonly unknown[], prefix: string, depth: number): [string, FieldValue | undefined][] {
  // Deeper is no form anyone maps: the rest is kept whole, as its JSON text.
  if (depth > MAX_DEPTH) return [[prefix, JSON.stringify(value)]];
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value);
  return entries.flatMap(([key, item]): [string, FieldValue | undefined][] => {
    const name = prefix ? `${prefix}.${key}` : key;
    if (isRecord(item)) return flatten(item, name, depth + 1);
    if (Array.isArray(item) && item.some((element) => isRecord(element) || Array.isArray(element))) return flatten(item, name, depth + 1);
    return [[name, fieldValue(item)]];
  });
}

/** "contact.email" -> "email", "contact__first_name" -> "first_name" (a form-encoded Zapier key not unflattened). */
function lastPart(key: string): string {
  return key.split(/\.|__/).at(-1) ?? key;
}

export const zapier: Preset = {
  id: 'zapier',
  label: 'Zapier or Make',
  extract(body: unknown): Submission {
    const lead = Array.isArray(body) && body.length === 1 ? body[0] : body;
    if (Array.isArray(lead)) throw new MalformedRequest(`Expected one lead per request, got a list of ${lead.length}; turn off "Wrap Request In Array" or send one item per run`);
    if (!isRecord(lead)) throw new MalformedRequest('Expected a JSON object (or form post) of field names to values');
    const eventId = eventIdKeys.map((key) => text(lead[key])).find((id) => id !== undefined);
    const pageUrl = pageUrlKeys.map((key) => text(lead[key])).find((url) => url !== undefined);
    const skipped: ReadonlySet<string> = new Set([...eventIdKeys, ...pageUrlKeys]);
    const fields = fieldCollector();
    for (const [key, value] of flatten(lead, '', 0)) {
      if (skipped.has(key)) continue;
      fields.add(key, value, canonicalFor(key) ?? canonicalFor(lastPart(key)));
    }
    return { fields: fields.fields(), ...(eventId ? { eventId } : {}), ...(pageUrl ? { pageUrl } : {}) };
  },
};
