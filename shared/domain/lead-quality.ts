import { readablePhone } from './normalize.ts';

/**
 * What was wrong with a field of a lead that was kept anyway. A partner's server that posts a
 * lead and gets a 4xx does not retry, so a lead with a way to reach the person (a valid email
 * or phone) is stored even when another field is malformed: the bad value is kept as sent,
 * beside the lead's contact and never in it, and flagged here for the rep and for scoring.
 */

export const FlagIssues = ['invalid', 'too-long', 'not-text', 'too-many'] as const;
export type FlagIssue = (typeof FlagIssues)[number];

export interface FieldFlag {
  /** A canonical field (`phone`, `email`, `country`, `consent`, `name`…) or an extra field's name; `(form)` for too many extra fields. */
  readonly field: string;
  readonly issue: FlagIssue;
  /**
   * The value as sent: trimmed, on one line (a message keeps its lines), and no longer than the
   * field may be. For `too-many`, the names of the extra fields that were left out.
   */
  readonly given: string;
  /** Why, in the words a form post's 422 would have used ("must be a phone number valid in US…"). */
  readonly problem: string;
}

/** Lead field names as a rep reads them (flags, My leads' resubmitted details). */
export const fieldLabels: Readonly<Record<string, string>> = {
  firstName: 'First name',
  lastName: 'Last name',
  name: 'Name',
  email: 'Email',
  phone: 'Phone',
  company: 'Company',
  product: 'Product',
  country: 'Country',
  region: 'Region',
  postalCode: 'Postal code',
  city: 'City',
  message: 'Message',
  source: 'Source',
  language: 'Language',
  consent: 'Consent',
  '(form)': 'Extra fields',
};

/** What an invalid value of a field is not. */
const invalidWords: Readonly<Record<string, string>> = {
  email: 'not a valid email address',
  phone: 'not a valid number',
  country: 'not a country we know',
  consent: 'not a yes or no',
};

export const flagLabel = (flag: Pick<FieldFlag, 'field'>): string => fieldLabels[flag.field] ?? flag.field;

/** "not a valid number", "too long": what is wrong, for a rep. */
export function flagWords(flag: Pick<FieldFlag, 'field' | 'issue'>): string {
  switch (flag.issue) {
    case 'invalid':
      return invalidWords[flag.field] ?? 'not a valid value';
    case 'too-long':
      return 'longer than allowed (kept up to the limit)';
    case 'not-text':
      return 'a list or object, not text';
    case 'too-many':
      return 'too many extra fields; these were left out';
  }
}

/** ["Phone as given", "555-0100, not a valid number"]: one flag as a rep reads it, label and value. */
export function flagRow(flag: FieldFlag): [string, string] {
  const given = flag.field === 'phone' ? readablePhone(flag.given) : flag.given;
  return [`${flagLabel(flag)} as given`, `${given}, ${flagWords(flag)}`];
}

/** Canonical fields a contact holds under the same name, so a later good value settles a flag. */
const contactFieldOfFlag: Readonly<Record<string, string>> = {
  firstName: 'firstName',
  lastName: 'lastName',
  email: 'email',
  phone: 'phone',
  company: 'company',
  product: 'product',
  country: 'country',
  region: 'region',
  postalCode: 'postalCode',
  city: 'city',
  message: 'message',
  source: 'source',
  language: 'language',
};

/**
 * The flags still open: a flag on a contact field the lead has since got a good value for (a
 * later post filled it in, or the rep took it over from one) no longer says anything about the
 * lead, and neither shows nor costs points.
 */
export function openFlags(lead: { readonly contact: object; readonly quality?: readonly FieldFlag[] | undefined }): readonly FieldFlag[] {
  const contact = lead.contact as Readonly<Record<string, unknown>>;
  return (lead.quality ?? []).filter((flag) => {
    const field = contactFieldOfFlag[flag.field];
    return field === undefined || contact[field] === undefined || contact[field] === '';
  });
}
