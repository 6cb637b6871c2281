/**
 * WordPress form plugins, told apart by the keys that arrive:
 *
 * Contact Form 7 through "CF7 to Webhook" (https://wordpress.org/plugins/cf7-to-zapier/,
 * source https://github.com/mariovalney/cf7-to-zapier): JSON of the form's tag names to values,
 * e.g. {"your-name", "your-email", "your-subject", "your-message", "tel-123": ...,
 * "acceptance-1": "1", "checkbox-2": ["a", "b"]}; a tag's `webhook:` option renames its key, and
 * CF7 special mail tags (https://contactform7.com/special-mail-tags/) can be added, keyed
 * `_url`, `_remote_ip`, `_date`... (or a chosen name).
 *
 * Elementor Pro Forms' "Webhook" action (https://elementor.com/help/actions-after-submit/,
 * source: elementor-pro modules/forms/actions/webhook.php and classes/form-record.php):
 * `wp_remote_post` with an array body, i.e. a form post. Simple mode: field label -> value plus
 * the metadata labels ("Date", "Time", "Page URL", "User Agent", "Remote IP", "Powered by") and
 * `form_id`, `form_name`. "Advanced Data" mode: `form[id]`, `form[name]`,
 * `fields[<id>][id|type|title|value|raw_value|required]` and `meta[<key>][title|value]` (date,
 * time, page_url, page_title, user_agent, remote_ip, credit), which reach us as flat bracketed keys.
 *
 * No plugin sends a delivery id, so there is no eventId.
 */
import type { CanonicalField, Preset, Submission } from '../submission.ts';
import { MalformedRequest } from '../../domain/errors.ts';
import { canonicalFor, fieldCollector, fieldValue, isRecord, text } from './field-names.ts';

/** One field of Advanced Data: id, type, title, value, raw_value, required. */
type ElementorField = Record<string, unknown>;

interface ElementorAdvanced {
  readonly form: Record<string, unknown>;
  readonly fields: Map<string, ElementorField>;
  readonly meta: Map<string, Record<string, unknown>>;
}

/** The object-valued entries of `value`, copied (Advanced Data sent as nested JSON). */
function records(value: unknown): [string, Record<string, unknown>][] {
  const entries: [string, Record<string, unknown>][] = [];
  if (isRecord(value)) for (const [key, item] of Object.entries(value)) if (isRecord(item)) entries.push([key, { ...item }]);
  return entries;
}

/** Elementor field types that carry no answer (layout, spam traps, captchas). */
const noAnswer: ReadonlySet<string> = new Set(['html', 'step', 'honeypot', 'recaptcha', 'recaptcha_v3', 'submit']);

const canonicalByElementorType: ReadonlyMap<string, CanonicalField> = new Map([
  ['email', 'email'],
  ['tel', 'phone'],
  ['acceptance', 'consent'],
]);

/** The parts of Advanced Data read here; any other bracketed key is ignored. */
const formProperties: ReadonlySet<string> = new Set(['id', 'name']);
const fieldProperties: ReadonlySet<string> = new Set(['type', 'title', 'value', 'raw_value']);
const metaProperties: ReadonlySet<string> = new Set(['title', 'value']);

/** Elementor's metadata labels in simple mode (English; a translated site sends its own words, kept as fields). */
const simpleMeta = { pageUrl: 'Page URL', dropped: new Set(['Date', 'Time', 'Page Title', 'User Agent', 'Remote IP', 'Powered by', 'form_id']) };

const BRACKETED = /^(form|fields|meta)\[([^\]]*)\](?:\[([^\]]*)\])?(.*)$/;

/** Advanced Data mode, from bracketed form keys (`fields[email][value]`) or the same nested in JSON. */
function elementorAdvanced(body: Record<string, unknown>): ElementorAdvanced | undefined {
  const form: Record<string, unknown> = isRecord(body.form) ? { ...body.form } : {};
  const fields = new Map<string, ElementorField>(records(body.fields));
  const meta = new Map<string, Record<string, unknown>>(records(body.meta));
  let bracketed = false;
  for (const [key, value] of Object.entries(body)) {
    const match = BRACKETED.exec(key);
    if (!match) continue;
    const [, group, name = '', property, rest = ''] = match;
    bracketed = true;
    if (group === 'form' && property === undefined && formProperties.has(name)) form[name] = value;
    if (group === 'meta' && property !== undefined && metaProperties.has(property)) meta.set(name, { ...meta.get(name), [property]: value });
    if (group === 'fields' && property !== undefined && fieldProperties.has(property)) {
      const field = fields.get(name) ?? {};
      // A multi-select's raw_value arrives as raw_value[0], raw_value[1]...
      if (property === 'raw_value' && rest !== '') field.raw_value = [...(Array.isArray(field.raw_value) ? field.raw_value : []), value];
      else field[property] = value;
      fields.set(name, field);
    }
  }
  return bracketed || fields.size > 0 ? { form, fields, meta } : undefined;
}

function fromElementorAdvanced({ form, fields: elementorFields, meta }: ElementorAdvanced): Submission {
  const fields = fieldCollector();
  for (const [id, field] of elementorFields) {
    const type = text(field.type) ?? '';
    if (noAnswer.has(type)) continue;
    const title = text(field.title);
    const value = fieldValue(field.value ?? field.raw_value);
    fields.add(id, value, canonicalByElementorType.get(type) ?? canonicalFor(id) ?? (title ? canonicalFor(title) : undefined));
  }
  fields.add('form_name', text(form.name));
  const pageUrl = text(meta.get('page_url')?.value);
  return { fields: fields.fields(), ...(pageUrl ? { pageUrl } : {}) };
}

function fromElementorSimple(body: Record<string, unknown>): Submission {
  const fields = fieldCollector();
  for (const [label, value] of Object.entries(body)) {
    if (label === simpleMeta.pageUrl || simpleMeta.dropped.has(label)) continue;
    if (label === 'form_name') fields.add(label, fieldValue(value));
    else fields.addGuessed(label, fieldValue(value));
  }
  const pageUrl = text(body[simpleMeta.pageUrl]);
  return { fields: fields.fields(), ...(pageUrl ? { pageUrl } : {}) };
}

/** CF7 special mail tags holding the page the form was on. */
const cf7PageUrl = ['_url', '_post_url'] as const;

function fromContactForm7(body: Record<string, unknown>): Submission {
  const fields = fieldCollector();
  for (const [name, value] of Object.entries(body)) {
    // Other special mail tags (_remote_ip, _user_agent, _date...) are the plugin's metadata, not the person's answers.
    if (name.startsWith('_')) continue;
    fields.addGuessed(name, fieldValue(value));
  }
  const pageUrl = cf7PageUrl.map((name) => text(body[name])).find((url) => url !== undefined);
  return { fields: fields.fields(), ...(pageUrl ? { pageUrl } : {}) };
}

export const wordpress: Preset = {
  id: 'wordpress',
  label: 'WordPress (Contact Form 7, Elementor)',
  extract(body: unknown): Submission {
    if (!isRecord(body)) {
      throw new MalformedRequest('Expected a Contact Form 7 (CF7 to Webhook) JSON object or an Elementor Forms webhook form post');
    }
    const advanced = elementorAdvanced(body);
    if (advanced) return fromElementorAdvanced(advanced);
    if (typeof body.form_id === 'string' && 'form_name' in body) return fromElementorSimple(body);
    return fromContactForm7(body);
  },
};
