/**
 * What an admin pastes into a sender's settings for a lead source, for the CLI's `sources`
 * listing: the senders that take only a URL (JotForm), a URL and a key (Google Ads) or a URL
 * and a header (Gravity Forms) get the whole thing, secret included, since their admin has
 * nowhere else to look; the rest are told where their secret is.
 */

export interface SourceForSetup {
  readonly id: string;
  readonly auth: string;
  readonly preset: string;
  readonly signature?: string;
}

/** Presets whose set-up shows the secret itself: without it nothing can be pasted. */
export const SETUP_WITH_SECRET: ReadonlySet<string> = new Set(['google-ads', 'gravityforms', 'jotform']);

/** The lines to paste, indented for the listing; `secret` is the source's (only for `SETUP_WITH_SECRET` presets). */
export function senderSetup(source: SourceForSetup, webhookUrl: string, secret?: string): string[] {
  const shown = secret ?? `<npm run admin -- sources secret ${source.id}>`;
  if (source.auth === 'token') {
    switch (source.preset) {
      case 'google-ads':
        return [
          'Google Ads: the lead form → Export leads from Google Ads → Webhook integration',
          `  Webhook URL  ${webhookUrl}`,
          `  Key          ${shown}`,
          '  "Send test data" posts a lead marked test: true; it is stored and routed like any other.',
        ];
      case 'jotform':
        return ['JotForm: Settings → Integrations → WebHooks, the URL with its token', `  ${webhookUrl}?token=${encodeURIComponent(shown)}`];
      case 'gravityforms':
        return [
          'Gravity Forms: Form Settings → Webhooks → Add New: Request Method POST, Request Format JSON, Request Body All Fields',
          `  Request URL     ${webhookUrl}`,
          `  Request Header  X-Lead-Router-Token: ${shown}`,
          "  Map the form's field ids in the source's mapping, e.g. { \"email\": \"2\", \"phone\": \"3\" }.",
        ];
      default:
        return [`Token: the X-Lead-Router-Token header, or ${webhookUrl}?token=<secret>; the secret: npm run admin -- sources secret ${source.id}`];
    }
  }
  if (source.auth === 'signed') return [`Signed (${source.signature ?? 'lead-router'}): the secret to sign with: npm run admin -- sources secret ${source.id}`];
  return [];
}
