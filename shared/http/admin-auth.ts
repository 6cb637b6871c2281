import { DomainError } from '../domain/errors.ts';
import { sameSecret } from '../domain/signed-token.ts';

export class Unauthorized extends DomainError {
  override name = 'Unauthorized';
}

/**
 * Admin endpoints take `Authorization: Bearer <admin key>`; the key lives in Secrets Manager.
 * Both sides are hashed first so the comparison takes the same time whatever the input length.
 */
export function requireAdmin(headers: Record<string, string | undefined> | undefined, adminKey: string): void {
  const header = headers?.authorization ?? '';
  // The key has no spaces; `\S+` keeps the pattern from trying every split of a run of spaces.
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match || !sameSecret(match[1]!, adminKey)) {
    throw new Unauthorized('Missing or invalid admin key: send Authorization: Bearer <admin key>');
  }
}
