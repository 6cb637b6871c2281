/**
 * What a sender's payload says, before it becomes a lead. Each preset turns one sender's
 * documented webhook shape (Unbounce, Typeform, Webflow, HubSpot, Zapier/Make, WordPress) into
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

export const PresetIds = ['canonical', 'unbounce', 'typeform', 'webflow', 'hubspot', 'zapier', 'wordpress'] as const;
export type PresetId = (typeof PresetIds)[number];

export interface Preset {
  readonly id: PresetId;
  /** The sender as a franchise admin knows it, e.g. "Typeform". */
  readonly label: string;
  /**
   * Reads one delivery. `body` is the parsed JSON, or for form posts an object of the form's
   * keys (a repeated key's values joined with ", "). Throws `MalformedRequest` naming what the
   * sender's documented shape requires when the payload is not of that shape.
   */
  extract(body: unknown): Submission;
}
