import * as z from '../zod.ts';
import { SignatureSchemes } from './signatures.ts';
import { CanonicalFields, PresetIds } from './submission.ts';

/**
 * Lead sources of a stack: who may post leads, how they prove it, and how their payload maps
 * to a lead. A source's webhook is `POST /sources/<id>/leads`; `POST /leads` is the stack's
 * default source (`intake.defaultSource`, else an open JSON and form endpoint named "web").
 */

const SourceId = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, at most 40'));

/** `https://www.example.com`: scheme, host and port only, as browsers send `Origin`. */
const Origin = z.pipe(
  z.string().check(z.regex(/^https?:\/\/[^/\s?#]+$/, 'an origin such as https://www.example.com (scheme and host, no path)')),
  z.transform((value) => value.toLowerCase()),
);

const common = {
  id: SourceId,
  /** As the admin knows it, e.g. "Spring campaign landing page". */
  name: z.optional(z.string().check(z.maxLength(100))),
  preset: z._default(z.enum(PresetIds), 'canonical'),
  /** Canonical field <- the name the sender uses, for forms whose fields are named otherwise. */
  mapping: z._default(z.partialRecord(z.enum(CanonicalFields), z.string().check(z.minLength(1), z.maxLength(200))), {}),
  /** Values every lead from this source gets unless it brings its own, e.g. { "source": "partner" }. */
  defaults: z._default(z.record(z.string().check(z.minLength(1), z.maxLength(64)), z.string().check(z.maxLength(200))), {}),
  /** Where a browser's plain form post is sent after the lead is taken (303 See Other). */
  thankYouUrl: z.optional(z.url({ protocol: /^https?$/ })),
};

export const PublicSourceSchema = z.strictObject({
  ...common,
  auth: z.literal('public'),
  /** Pages allowed to post from a browser; empty allows any page. */
  allowedOrigins: z._default(z.array(Origin).check(z.maxLength(50)), []),
  /** A field real visitors never see or fill in; a post that fills it is thanked and dropped. */
  honeypotField: z._default(z.string().check(z.minLength(1), z.maxLength(64)), '_gotcha'),
  /** Posts per client address per minute; more get 429. */
  perClientPerMinute: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(10_000)), 10),
});

export const SignedSourceSchema = z.strictObject({
  ...common,
  auth: z.literal('signed'),
  signature: z._default(z.enum(SignatureSchemes), 'lead-router'),
  /** Deliveries whose signed timestamp is further than this from now are refused (replays). */
  replayWindowSeconds: z._default(z.number().check(z.int(), z.minimum(30), z.maximum(3600)), 300),
});

/**
 * For senders that can neither sign nor be limited by origin (Unbounce, WordPress plugins,
 * Zapier, Gravity Forms, JotForm): a secret token in the `X-Lead-Router-Token` header or the
 * `token` query parameter. A sender that can do neither carries it in its payload, where its
 * preset reads it (`Preset.bodyToken`: Google Ads' `google_key`).
 */
export const TokenSourceSchema = z.strictObject({
  ...common,
  auth: z.literal('token'),
});

/**
 * Ad platforms that notify instead of posting the lead: the notification names a lead id, and
 * the lead is then fetched from the platform's API with a token the admin keeps in Secrets
 * Manager (shared/use-cases/fetch-platform-lead.ts). The platform dictates the payload, so there
 * is no preset and no thank-you page; the mapping and defaults apply to the fetched answers.
 */
const platformCommon = {
  id: common.id,
  name: common.name,
  /** Canonical field <- a form question's name (LinkedIn: its name or question id), for custom questions. */
  mapping: common.mapping,
  defaults: common.defaults,
  /** How long one call to the platform's API may take before it counts as failed and is retried. */
  requestTimeoutMs: z._default(z.number().check(z.int(), z.minimum(100), z.maximum(20_000)), 5_000),
};

/**
 * Facebook and Instagram Lead Ads: Meta's `leadgen` webhook (signed with the app secret, set by
 * the admin as the source's secret), then `GET {apiBaseUrl}/{apiVersion}/{leadgen_id}` of the
 * Graph API with the page access token.
 */
export const FacebookSourceSchema = z.strictObject({
  ...platformCommon,
  auth: z.literal('facebook'),
  apiBaseUrl: z._default(z.url({ protocol: /^https?$/ }), 'https://graph.facebook.com'),
  apiVersion: z._default(z.string().check(z.regex(/^v\d{1,3}\.\d{1,2}$/, 'a Graph API version such as v21.0')), 'v21.0'),
});

/**
 * LinkedIn Lead Gen Forms: the Lead Sync notification (signed with the app's client secret, set
 * by the admin as the source's secret), then `GET {apiBaseUrl}/rest/leadFormResponses/{id}` with
 * the member's access token and the `LinkedIn-Version` header.
 */
export const LinkedInSourceSchema = z.strictObject({
  ...platformCommon,
  auth: z.literal('linkedin'),
  apiBaseUrl: z._default(z.url({ protocol: /^https?$/ }), 'https://api.linkedin.com'),
  /** The `LinkedIn-Version` header (YYYYMM): LinkedIn sunsets each version after about a year. */
  apiVersion: z._default(z.string().check(z.regex(/^\d{6}$/, 'a LinkedIn-Version such as 202601 (YYYYMM)')), '202601'),
});

/** Presets whose sender proves itself only with a key in its payload: anything but a token source would take posts from anyone. */
const bodyTokenPresets: ReadonlySet<string> = new Set(['google-ads']);

export const SourceSchema = z
  .discriminatedUnion('auth', [PublicSourceSchema, SignedSourceSchema, TokenSourceSchema, FacebookSourceSchema, LinkedInSourceSchema])
  .check(z.superRefine((source, ctx) => {
    if ('preset' in source && bodyTokenPresets.has(source.preset) && source.auth !== 'token') {
      ctx.addIssue({
        code: 'custom',
        path: ['auth'],
        message: `the ${source.preset} preset needs "auth": "token": the sender proves itself with the key in its payload, checked against the source's secret`,
      });
    }
  }));
export type Source = z.infer<typeof SourceSchema>;
export type FacebookSource = z.infer<typeof FacebookSourceSchema>;
export type LinkedInSource = z.infer<typeof LinkedInSourceSchema>;
/** A source whose leads are fetched from an ad platform after its notification. */
export type PlatformSource = FacebookSource | LinkedInSource;
/** A source that posts the lead itself, read by its preset. */
export type PostingSource = Exclude<Source, PlatformSource>;

export function isPlatformSource(source: Source): source is PlatformSource {
  return source.auth === 'facebook' || source.auth === 'linkedin';
}
export type PublicSource = z.infer<typeof PublicSourceSchema>;
export type SignedSource = z.infer<typeof SignedSourceSchema>;

export const IntakeSchema = z
  .strictObject({
    sources: z._default(z.array(SourceSchema).check(z.maxLength(50)), []),
    /** The source behind `POST /leads`; absent, an open public source "web". */
    defaultSource: z.optional(SourceId),
    /** A post with the same email or phone as a lead of the last N hours joins that lead; 0 turns it off. */
    dedupeWindowHours: z._default(z.number().check(z.minimum(0), z.maximum(24 * 90)), 72),
    /** How long an Idempotency-Key or sender event id is remembered. */
    idempotencyHours: z._default(z.number().check(z.minimum(1), z.maximum(24 * 30)), 24),
    /** The country a phone number without a +country prefix belongs to, when the lead names none. */
    defaultCountry: z.optional(z.string().check(z.regex(/^[A-Z]{2}$/, 'a two-letter ISO 3166 country code such as DE'))),
  })
  .check(z.superRefine((intake, ctx) => {
    const seen = new Set<string>();
    intake.sources.forEach((source, index) => {
      if (seen.has(source.id)) ctx.addIssue({ code: 'custom', path: ['sources', index, 'id'], message: `source "${source.id}" is defined twice` });
      seen.add(source.id);
    });
    if (intake.defaultSource && !seen.has(intake.defaultSource)) {
      ctx.addIssue({ code: 'custom', path: ['defaultSource'], message: `no source "${intake.defaultSource}" in sources` });
    }
  }));
export type Intake = z.infer<typeof IntakeSchema>;

/** The open endpoint `POST /leads` answers as when the stack names no default source. */
export const FALLBACK_SOURCE: Source = PublicSourceSchema.parse({ id: 'web', auth: 'public', perClientPerMinute: 60 });

export function sourceById(intake: Intake, id: string): Source | undefined {
  return intake.sources.find((source) => source.id === id);
}

export function defaultSource(intake: Intake): Source {
  return (intake.defaultSource && sourceById(intake, intake.defaultSource)) || FALLBACK_SOURCE;
}
