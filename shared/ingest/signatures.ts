/**
 * Signatures of server-to-server deliveries. `lead-router` is this service's own scheme for
 * partners; the others are the schemes senders document for their webhooks.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidSignature } from '../domain/errors.ts';

export const SignatureSchemes = ['lead-router', 'typeform', 'webflow', 'hubspot-v3'] as const;
export type SignatureScheme = (typeof SignatureSchemes)[number];

export interface SignedDelivery {
  readonly method: string;
  /** The full URL the sender called, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/sources/hubspot/leads?x=1 */
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as received (already base64-decoded), as UTF-8 text. */
  readonly rawBody: string;
}

/** What a sender signs: everything of a delivery but the headers it is about to add. */
export type DeliveryToSign = Omit<SignedDelivery, 'headers'> & { readonly headers?: SignedDelivery['headers'] };

/** The headers each scheme reads, lower case as `SignedDelivery.headers` has them. */
export const SignatureHeaders = {
  'lead-router': { signature: 'x-lead-router-signature' },
  typeform: { signature: 'typeform-signature' },
  webflow: { signature: 'x-webflow-signature', timestamp: 'x-webflow-timestamp' },
  'hubspot-v3': { signature: 'x-hubspot-signature-v3', timestamp: 'x-hubspot-request-timestamp' },
} as const satisfies Record<SignatureScheme, { signature: string; timestamp?: string }>;

function hmac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload, 'utf8').digest();
}

/** Constant-time equality of two encoded MACs; different lengths are simply unequal. */
function sameMac(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function header(delivery: SignedDelivery, name: string): string {
  const value = delivery.headers[name];
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidSignature(`Missing the ${name} header`);
  return value.trim();
}

/** A whole number of digits (at most 16, so it stays exact as a JavaScript number). */
function integer(value: string, name: string, unit: string): number {
  if (!/^\d{1,16}$/.test(value)) throw new InvalidSignature(`The ${name} header must be a timestamp in ${unit}, got "${value.slice(0, 40)}"`);
  return Number(value);
}

/** Refuses a signed timestamp further than the window from now, saying by how much. */
function withinWindow(signedAtMs: number, now: Date, replayWindowSeconds: number): void {
  const offsetSeconds = (now.getTime() - signedAtMs) / 1000;
  if (Math.abs(offsetSeconds) <= replayWindowSeconds) return;
  const by = Math.round(Math.abs(offsetSeconds) - replayWindowSeconds);
  const when = offsetSeconds > 0 ? `${Math.round(offsetSeconds)} s old` : `${Math.round(-offsetSeconds)} s in the future`;
  throw new InvalidSignature(`The signed timestamp is ${when}, ${by} s outside the ${replayWindowSeconds} s replay window`);
}

/**
 * HubSpot signs the request URI with these percent-encodings decoded (and only these):
 * https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
 */
const hubspotDecoded: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

function hubspotUri(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (encoded) => hubspotDecoded[encoded.toUpperCase()] ?? encoded);
}

/** `method + uri + body + timestamp`, HubSpot's v3 signing string. */
function hubspotSource(delivery: DeliveryToSign, uri: string, timestamp: string): string {
  return `${delivery.method.toUpperCase()}${uri}${delivery.rawBody}${timestamp}`;
}

/**
 * Ours, Stripe-like: `x-lead-router-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
 * "<t>.<rawBody>")>`. Several v1 values may be sent while a partner rotates its secret; one
 * matching is enough.
 */
function verifyLeadRouter(delivery: SignedDelivery, secret: string, now: Date, replayWindowSeconds: number): void {
  const name = SignatureHeaders['lead-router'].signature;
  const value = header(delivery, name);
  const timestamps: string[] = [];
  const signatures: string[] = [];
  for (const part of value.split(',')) {
    const [key = '', ...rest] = part.trim().split('=');
    const item = rest.join('=').trim();
    if (key === 't') timestamps.push(item);
    if (key === 'v1') signatures.push(item.toLowerCase());
  }
  if (timestamps.length !== 1) throw new InvalidSignature(`The ${name} header needs exactly one t=<unix seconds>, e.g. "t=1772359200,v1=<hex>"`);
  const t = integer(timestamps[0]!, name, 'unix seconds (t=)');
  if (signatures.length === 0) throw new InvalidSignature(`The ${name} header has no v1=<hex HMAC-SHA256> signature`);
  const expected = hmac(secret, `${timestamps[0]}.${delivery.rawBody}`).toString('hex');
  if (!signatures.some((signature) => sameMac(signature, expected))) throw new InvalidSignature(`The ${name} signature does not match the body`);
  withinWindow(t * 1000, now, replayWindowSeconds);
}

/**
 * Typeform: `typeform-signature: sha256=<base64 HMAC-SHA256(secret, rawBody)>`
 * (https://www.typeform.com/developers/webhooks/secure-your-webhooks/). Typeform signs no
 * timestamp, so no replay window applies: a replayed delivery carries the same event_id and is
 * answered from the idempotency record instead of becoming a second lead.
 */
function verifyTypeform(delivery: SignedDelivery, secret: string): void {
  const name = SignatureHeaders.typeform.signature;
  const value = header(delivery, name);
  if (!value.startsWith('sha256=')) throw new InvalidSignature(`The ${name} header must start with "sha256="`);
  const expected = hmac(secret, delivery.rawBody).toString('base64');
  if (!sameMac(value.slice('sha256='.length), expected)) throw new InvalidSignature(`The ${name} signature does not match the body`);
}

/**
 * Webflow: `x-webflow-timestamp` (epoch ms) and `x-webflow-signature`: hex HMAC-SHA256(secret,
 * "<timestamp>:<rawBody>") (https://developers.webflow.com/data/docs/working-with-webhooks).
 */
function verifyWebflow(delivery: SignedDelivery, secret: string, now: Date, replayWindowSeconds: number): void {
  const names = SignatureHeaders.webflow;
  const signature = header(delivery, names.signature).toLowerCase();
  const timestamp = header(delivery, names.timestamp);
  const signedAt = integer(timestamp, names.timestamp, 'milliseconds');
  const expected = hmac(secret, `${timestamp}:${delivery.rawBody}`).toString('hex');
  if (!sameMac(signature, expected)) throw new InvalidSignature(`The ${names.signature} signature does not match the body`);
  withinWindow(signedAt, now, replayWindowSeconds);
}

/**
 * HubSpot v3: `x-hubspot-request-timestamp` (epoch ms) and `x-hubspot-signature-v3`: base64
 * HMAC-SHA256(app client secret, method + URI + body + timestamp), the URI being the full URL
 * HubSpot called with the characters above decoded
 * (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests).
 * HubSpot asks to refuse timestamps older than 5 minutes; the source's window is used (300 s by
 * default), in both directions. HubSpot's own SDKs sign the URL as given, without decoding, so
 * the URL as received is accepted too: both bind the same request.
 */
function verifyHubSpot(delivery: SignedDelivery, secret: string, now: Date, replayWindowSeconds: number): void {
  const names = SignatureHeaders['hubspot-v3'];
  const signature = header(delivery, names.signature);
  const timestamp = header(delivery, names.timestamp);
  const signedAt = integer(timestamp, names.timestamp, 'milliseconds');
  const uris = [...new Set([hubspotUri(delivery.url), delivery.url])];
  const matches = uris.some((uri) => sameMac(signature, hmac(secret, hubspotSource(delivery, uri, timestamp)).toString('base64')));
  if (!matches) throw new InvalidSignature(`The ${names.signature} signature does not match the request (method, URL, body and timestamp)`);
  withinWindow(signedAt, now, replayWindowSeconds);
}

/**
 * Checks a signed delivery; returns quietly when it is genuine and fresh. Throws
 * `InvalidSignature` saying which header is missing or unreadable, that the signature does not
 * match, or how far the signed timestamp is outside the replay window; never anything else for
 * whatever a client sends.
 */
export function verifySignature(scheme: SignatureScheme, delivery: SignedDelivery, secret: string, now: Date, replayWindowSeconds: number): void {
  // An empty secret would let anyone sign: a configuration error, not the sender's.
  if (typeof secret !== 'string' || secret === '') throw new Error(`No secret is configured for the ${scheme} signature`);
  switch (scheme) {
    case 'lead-router':
      return verifyLeadRouter(delivery, secret, now, replayWindowSeconds);
    case 'typeform':
      return verifyTypeform(delivery, secret);
    case 'webflow':
      return verifyWebflow(delivery, secret, now, replayWindowSeconds);
    case 'hubspot-v3':
      return verifyHubSpot(delivery, secret, now, replayWindowSeconds);
    default:
      throw new InvalidSignature(`Unknown signature scheme "${String(scheme)}"`);
  }
}

/**
 * The headers a sender adds to sign `delivery` at `now` with `secret`: what our partners do for
 * the lead-router scheme, and what Typeform, Webflow and HubSpot do (for tests, the sample
 * replayer and the docs).
 */
export function signDelivery(scheme: SignatureScheme, delivery: DeliveryToSign, secret: string, now: Date): Record<string, string> {
  switch (scheme) {
    case 'lead-router': {
      const t = Math.floor(now.getTime() / 1000);
      return { [SignatureHeaders['lead-router'].signature]: `t=${t},v1=${hmac(secret, `${t}.${delivery.rawBody}`).toString('hex')}` };
    }
    case 'typeform':
      return { [SignatureHeaders.typeform.signature]: `sha256=${hmac(secret, delivery.rawBody).toString('base64')}` };
    case 'webflow': {
      const timestamp = String(now.getTime());
      return {
        [SignatureHeaders.webflow.timestamp]: timestamp,
        [SignatureHeaders.webflow.signature]: hmac(secret, `${timestamp}:${delivery.rawBody}`).toString('hex'),
      };
    }
    case 'hubspot-v3': {
      const timestamp = String(now.getTime());
      return {
        [SignatureHeaders['hubspot-v3'].timestamp]: timestamp,
        [SignatureHeaders['hubspot-v3'].signature]: hmac(secret, hubspotSource(delivery, hubspotUri(delivery.url), timestamp)).toString('base64'),
      };
    }
    default:
      throw new Error(`Unknown signature scheme "${String(scheme)}"`);
  }
}

/**
 * Ad platforms whose lead notifications this service takes (auth kinds `facebook` and
 * `linkedin`): each signs the raw body with the app's secret, and proves the webhook URL is ours
 * by a challenge before it sends anything.
 */
export const PlatformSchemes = ['facebook', 'linkedin'] as const;
export type PlatformScheme = (typeof PlatformSchemes)[number];

export const PlatformSignatureHeaders = {
  facebook: 'x-hub-signature-256',
  linkedin: 'x-li-signature',
} as const satisfies Record<PlatformScheme, string>;

/**
 * Meta (Facebook and Instagram Lead Ads): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app
 * secret, raw body)>` (https://developers.facebook.com/docs/graph-api/webhooks/getting-started).
 * LinkedIn: `X-LI-Signature: <hex HMAC-SHA256(client secret, "hmacsha256=" + raw body)>`
 * (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation). Neither signs
 * a timestamp: a replayed notification names the same lead, and the lead's id is its
 * idempotency key, so it never becomes a second lead.
 */
function platformMac(scheme: PlatformScheme, secret: string, rawBody: string): string {
  return hmac(secret, scheme === 'linkedin' ? `hmacsha256=${rawBody}` : rawBody).toString('hex');
}

export function verifyPlatformSignature(scheme: PlatformScheme, delivery: Pick<SignedDelivery, 'headers' | 'rawBody'>, secret: string): void {
  if (typeof secret !== 'string' || secret === '') throw new Error(`No secret is configured for the ${scheme} signature`);
  const name = PlatformSignatureHeaders[scheme];
  const value = delivery.headers[name];
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidSignature(`Missing the ${name} header`);
  let given = value.trim().toLowerCase();
  if (scheme === 'facebook') {
    if (!given.startsWith('sha256=')) throw new InvalidSignature(`The ${name} header must be "sha256=<hex>"`);
    given = given.slice('sha256='.length);
  } else if (given.startsWith('hmacsha256=')) {
    // Some LinkedIn samples show the prefix in the header too; the digest after it is the same.
    given = given.slice('hmacsha256='.length);
  }
  if (!sameMac(given, platformMac(scheme, secret, delivery.rawBody))) throw new InvalidSignature(`The ${name} signature does not match the body`);
}

/** The header the platform adds to a notification (for tests, the sample replayer and the docs). */
export function signPlatformDelivery(scheme: PlatformScheme, rawBody: string, secret: string): Record<string, string> {
  const mac = platformMac(scheme, secret, rawBody);
  return { [PlatformSignatureHeaders[scheme]]: scheme === 'facebook' ? `sha256=${mac}` : mac };
}

/** LinkedIn's answer to `?challengeCode=<uuid>`: hex HMAC-SHA256(client secret, challengeCode). */
export function linkedInChallengeResponse(challengeCode: string, clientSecret: string): string {
  return hmac(clientSecret, challengeCode).toString('hex');
}

/** Whether a verify token Meta sends back (`hub.verify_token`) is the one the admin entered; constant time. */
export function sameVerifyToken(given: string, expected: string): boolean {
  return sameMac(given, expected);
}
