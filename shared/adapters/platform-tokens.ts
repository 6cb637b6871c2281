import * as z from '../zod.ts';
import { loadSecret } from './secrets.ts';

/**
 * The ad platforms' access tokens, in the stack's PlatformAccessTokens secret as a JSON object
 * by source id: `{ "facebook": "<page access token>", "linkedin": "<member access token>" }`.
 * The admin sets it (README "Ad platforms"); it is read through the secrets cache (five minutes
 * on AWS), so a new token is picked up without a deploy, and jobs failing meanwhile are retried.
 */
export class PlatformTokenMissing extends Error {
  override name = 'PlatformTokenMissing';
}

const TokensSchema = z.record(z.string(), z.string().check(z.minLength(1)));

export class PlatformTokens {
  readonly #reference: string;
  readonly #load: (reference: string) => Promise<string>;

  constructor(reference: string, load: (reference: string) => Promise<string> = loadSecret) {
    this.#reference = reference;
    this.#load = load;
  }

  async tokenFor(sourceId: string): Promise<string> {
    const raw = await this.#load(this.#reference);
    let tokens: Record<string, string> | undefined;
    try {
      tokens = TokensSchema.safeParse(JSON.parse(raw)).data;
    } catch {
      tokens = undefined;
    }
    const token = tokens?.[sourceId];
    if (!token) throw new PlatformTokenMissing(`no access token for the source "${sourceId}" in the PlatformAccessTokens secret (a JSON object by source id)`);
    return token;
  }
}
