import { CanonicalFields, type CanonicalField } from '../submission.ts';

/**
 * What every preset shares: guessing the canonical field behind a sender's field name
 * ("E-Mail", "first_name", "your-email", "tel-123", "Postleitzahl"...), turning a sender's value
 * into a field value, and collecting fields so that the first field claiming a canonical name
 * gets it and a later one keeps its own name instead of overwriting it.
 */

export type FieldValue = string | number | boolean;

/** Names forms commonly use for each canonical field, compared after `comparable`. */
const synonyms: Readonly<Record<CanonicalField, readonly string[]>> = {
  firstName: ['firstname', 'fname', 'first', 'givenname', 'forename', 'vorname', 'prenom'],
  lastName: ['lastname', 'lname', 'last', 'surname', 'familyname', 'nachname'],
  name: ['name', 'fullname', 'contactname', 'yourname', 'completename'],
  email: ['email', 'emailaddress', 'mail', 'workemail', 'businessemail', 'emailadresse'],
  phone: ['phone', 'phonenumber', 'telephone', 'telephonenumber', 'tel', 'mobile', 'mobilephone', 'mobilenumber', 'cell', 'cellphone', 'telefon', 'telefonnummer', 'handy'],
  company: ['company', 'companyname', 'organization', 'organisation', 'organizationname', 'business', 'businessname', 'firma', 'unternehmen'],
  product: ['product', 'products', 'produkt', 'productinterest', 'interestedin'],
  country: ['country', 'countrycode', 'countryname', 'countryregion', 'land'],
  region: ['region', 'state', 'stateregion', 'province', 'county', 'bundesland'],
  postalCode: ['postalcode', 'postcode', 'zip', 'zipcode', 'plz', 'postleitzahl'],
  city: ['city', 'town', 'ort', 'stadt'],
  message: ['message', 'comments', 'comment', 'notes', 'note', 'enquiry', 'inquiry', 'nachricht', 'mitteilung'],
  source: ['source', 'leadsource'],
  language: ['language', 'lang', 'locale', 'preferredlanguage', 'sprache'],
  consent: ['consent', 'gdpr', 'gdprconsent', 'marketingconsent', 'optin', 'marketingoptin', 'acceptance', 'dsgvo', 'einwilligung'],
};

const canonicalByName: ReadonlyMap<string, CanonicalField> = new Map(
  (Object.entries(synonyms) as [CanonicalField, readonly string[]][]).flatMap(([field, names]) => names.map((name) => [name, field] as const)),
);

/**
 * "Your E-Mail" -> "email", "tel-123" -> "tel", "first_name" -> "firstname": lower case, accents
 * and separators gone, Contact Form 7's "your-" prefix and numbered default names
 * ("email-714") reduced to the word that says what the field is.
 */
function comparable(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    // Starting only where a run of separators starts: tried from inside a run, the search is quadratic.
    .replace(/(?<![\s_\-.:])[\s_\-.:]+\d+$/, '')
    .replace(/^your[\s_\-.]+/, '');
  return words.replace(/[^a-z0-9]/g, '');
}

/** The canonical field a sender's field name or label plainly names, if any. */
export function canonicalFor(name: string): CanonicalField | undefined {
  return canonicalByName.get(comparable(name));
}

/** A yes/no question whose name or title is about consent (GDPR, opt-in, acceptance of a policy). */
export function mentionsConsent(label: string): boolean {
  return /consent|gdpr|dsgvo|opt[\s_-]?in|einwilligung|acceptance|datenschutz|privacy/i.test(label);
}

function isScalar(value: unknown): value is FieldValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * A sender's value as a field value: strings trimmed (blank ones are no value, so a source's
 * defaults can still fill them), lists of plain values joined with ", ". Anything nested is no
 * form answer, but it may sit beside a good email: it is passed on as its JSON text, and the
 * lead's own checks judge it (a form post hears which field is wrong; a server's lead is kept
 * with the field flagged, since a refused server post is a lost lead).
 */
export function fieldValue(value: unknown): FieldValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((item) => item === null || isScalar(item))) {
    const items = value.filter(isScalar).map((item) => String(item).trim()).filter((item) => item !== '');
    return items.length === 0 ? undefined : items.join(', ');
  }
  return JSON.stringify(value);
}

/** Canonical fields that hold text (all but consent): a number there (a phone or postal code sent as a number) becomes text. */
const textFields: ReadonlySet<CanonicalField> = new Set(CanonicalFields.filter((field) => field !== 'consent'));

export interface FieldCollector {
  /**
   * Adds a value under `canonical` when given and not yet taken, otherwise under `name`. A name
   * already taken keeps its first value: a later duplicate never overwrites an earlier answer.
   */
  add(name: string, value: FieldValue | undefined, canonical?: CanonicalField): void;
  /** `add` with the canonical field guessed from the name (`canonicalFor`). */
  addGuessed(name: string, value: FieldValue | undefined): void;
  has(name: string): boolean;
  fields(): Record<string, FieldValue>;
}

export function fieldCollector(): FieldCollector {
  // A Map keeps names such as "__proto__" as plain data; Object.fromEntries copies them safely.
  const collected = new Map<string, FieldValue>();
  const add = (name: string, value: FieldValue | undefined, canonical?: CanonicalField): void => {
    if (value === undefined) return;
    const key = canonical && !collected.has(canonical) ? canonical : name;
    if (collected.has(key)) return;
    collected.set(key, key === canonical && textFields.has(canonical) && typeof value === 'number' ? String(value) : value);
  };
  return {
    add,
    addGuessed: (name, value) => add(name, value, canonicalFor(name)),
    has: (name) => collected.has(name),
    fields: () => Object.fromEntries(collected),
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-blank string, trimmed, or undefined. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
