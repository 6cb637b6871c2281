/**
 * What a sender's payload says, before it becomes a lead. Each preset turns one sender's
 * documented webhook shape (Unbounce, Typeform, Webflow, HubSpot, Zapier/Make, WordPress,
 * Google Ads lead forms, Gravity Forms, JotForm) into
 * a `Submission`; the source's own field mapping and the lead schema take it from there.
 */
import { contactFields } from '../domain/lead.ts';

/**
 * Canonical lead fields a preset or a source mapping may fill: the lead's contact fields, plus
 * `name` (a full name, split into first and last name when those are not given separately) and
 * `consent` (true/false, "yes", "on", "1", "accepted"…).
 */
export const CanonicalFields = [...contactFields, 'name', 'consent'] as const;
export type CanonicalField = (typeof CanonicalFields)[number];

export interface Submission {
  /**
   * Field values by name: a canonical name (see `CanonicalFields`) where the sender's format
   * says what the field is (a Typeform question of type email, HubSpot's `email` property),
   * otherwise the sender's own field name or label. Values are strings, numbers or booleans;
   * lists are joined with ", " by the preset.
   */
  readonly fields: Record<string, string | number | boolean>;
  /** The sender's own id of this submission or delivery (Typeform `event_id`...), for idempotency. */
  readonly eventId?: string;
  /** The page the form was filled in on; its utm_* query parameters are kept with the lead. */
  readonly pageUrl?: string;
}

export const PresetIds = ['canonical', 'unbounce', 'typeform', 'webflow', 'hubspot', 'zapier', 'wordpress', 'google-ads', 'gravityforms', 'jotform'] as const;
export type PresetId = (typeof PresetIds)[number];

export interface ExtractOptions {
  /**
   * The sender's field names the source's `mapping` renames: a preset that would guess what
   * such a field is (a Gravity Forms Name input) leaves it under its own name for the mapping.
   */
  readonly mapped?: ReadonlySet<string>;
}

/**
 * Where a sender that can neither set a header nor choose its URL's query carries a token
 * source's secret: in the payload itself (Google Ads' `google_key`).
 */
export interface BodyToken {
  /** The token the delivery carries, if any. */
  read(body: unknown): string | undefined;
  /** Where the sender puts it, for the 401 naming what is missing, e.g. "the google_key field". */
  readonly where: string;
}

export interface Preset {
  readonly id: PresetId;
  /** The sender as a franchise admin knows it, e.g. "Typeform". */
  readonly label: string;
  /**
   * Reads one delivery. `body` is the parsed JSON, or for form and multipart posts an object of
   * the form's keys (a repeated key's values joined with ", "). Throws `MalformedRequest`
   * naming what the sender's documented shape requires when the payload is not of that shape.
   */
  extract(body: unknown, options?: ExtractOptions): Submission;
  /** For a token source: the sender's token in the body, checked when no header or query carries one. */
  readonly bodyToken?: BodyToken;
}
