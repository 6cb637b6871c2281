import { utmFromUrl } from '../domain/normalize.ts';
import type { Source } from './source-config.ts';
import type { Submission } from './submission.ts';

export interface LeadFields {
  /** The fields the lead schema validates: canonical names where known, the sender's otherwise. */
  readonly fields: Record<string, string | number | boolean>;
  /** A public source's honeypot was filled: a bot, to be thanked and dropped. */
  readonly honeypot: boolean;
}

/**
 * A submission as lead fields, by the source's rules: its mapping renames the sender's fields
 * to canonical ones, its defaults fill what the sender left out, and the campaign parameters
 * of the page the form was on are kept unless the form sent its own.
 */
export function leadFields(submission: Submission, source: Source): LeadFields {
  // No prototype: the sender's names (`constructor`, `__proto__`) are data, never an object's own machinery.
  const fields: Record<string, string | number | boolean> = Object.assign(Object.create(null), submission.fields);
  let honeypot = false;
  if (source.auth === 'public' && Object.hasOwn(fields, source.honeypotField)) {
    honeypot = String(fields[source.honeypotField]).trim() !== '';
    delete fields[source.honeypotField];
  }
  for (const [canonical, senderName] of Object.entries(source.mapping)) {
    if (!Object.hasOwn(fields, senderName)) continue;
    fields[canonical] = fields[senderName]!;
    if (senderName !== canonical) delete fields[senderName];
  }
  for (const [name, value] of Object.entries(source.defaults)) {
    if (!Object.hasOwn(fields, name) || String(fields[name]).trim() === '') fields[name] = value;
  }
  if (submission.pageUrl) {
    for (const [name, value] of Object.entries(utmFromUrl(submission.pageUrl))) if (!Object.hasOwn(fields, name)) fields[name] = value;
    if (!Object.hasOwn(fields, 'pageUrl')) fields.pageUrl = submission.pageUrl.slice(0, 1_000);
  }
  return { fields, honeypot };
}
