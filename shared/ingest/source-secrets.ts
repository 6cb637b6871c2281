import { mac } from '../domain/signed-token.ts';

/**
 * The secret of a signed or token source, derived from the stack's `SourceSigningKey`: every
 * source has one from the moment it is configured, nothing per source has to be stored, and
 * the admin CLI shows it to whoever holds the admin key. Senders that dictate their own secret
 * (HubSpot's app client secret, a Webflow webhook's key) get it set by the admin instead,
 * which overrides this one.
 */
export function derivedSourceSecret(masterKey: string, sourceId: string): string {
  return mac(masterKey, `lead-source:${sourceId}`).toString('base64url');
}

/**
 * The verify token of a Facebook source: what the admin pastes into the app's Webhooks settings
 * beside the callback URL, and Meta sends back in the subscription handshake. Derived like the
 * secrets above (another label, so knowing one tells nothing of the other); `npm run admin --
 * sources` shows it.
 */
export function derivedVerifyToken(masterKey: string, sourceId: string): string {
  return mac(masterKey, `lead-source-verify:${sourceId}`).toString('base64url');
}
