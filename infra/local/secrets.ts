import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveString, type ResolveScope } from './intrinsics.ts';
import type { SecretModel } from './template.ts';

/**
 * Secrets Manager is not emulated: each secret becomes a file the functions read through a
 * `file:<path>` reference instead of an ARN. Generated once and kept with the data directory,
 * so links signed before a restart still verify after it.
 */

export interface LocalSecrets {
  /** `file:<absolute path>` per secret logical id. */
  readonly refs: Record<string, string>;
  dispose(): void;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function writeSecrets(secrets: SecretModel[], scope: ResolveScope, dataDir?: string): LocalSecrets {
  const dir = dataDir ? resolve(dataDir, 'secrets') : mkdtempSync(join(tmpdir(), 'lead-router-secrets-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const refs: Record<string, string> = {};
  for (const secret of secrets) {
    const file = join(dir, secret.logicalId);
    if (!existsSync(file) || readFileSync(file, 'utf8') === '') {
      writeFileSync(file, secretValue(secret, scope), { mode: 0o600 });
    }
    refs[secret.logicalId] = `file:${file}`;
  }
  return {
    refs,
    dispose: () => {
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function secretValue(secret: SecretModel, scope: ResolveScope): string {
  if (secret.secretString !== undefined) return resolveString(secret.secretString, scope, `${secret.logicalId}.SecretString`);
  const generated = randomString(secret.length);
  if (secret.template && secret.generateKey) {
    return JSON.stringify({ ...JSON.parse(secret.template), [secret.generateKey]: generated });
  }
  return generated;
}

function randomString(length: number): string {
  return Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');
}

/** The local access token of an ad platform source: what the fake platforms accept. */
export const localPlatformToken = (sourceId: string): string => `local-token-for-${sourceId}`;

/**
 * Puts a token for each Facebook and LinkedIn source in the PlatformAccessTokens secret, as the
 * admin does on AWS; a token already there (set by hand in a data directory) is kept.
 */
export function writePlatformTokens(refs: Readonly<Record<string, string>>, sources: readonly { id: string; auth: string }[]): void {
  const ref = Object.entries(refs).find(([id]) => id.startsWith('PlatformAccessTokens'))?.[1];
  if (!ref) return;
  const file = ref.slice('file:'.length);
  let tokens: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) tokens = parsed as Record<string, unknown>;
  } catch {
    tokens = {};
  }
  for (const source of sources) {
    if ((source.auth === 'facebook' || source.auth === 'linkedin') && typeof tokens[source.id] !== 'string') tokens[source.id] = localPlatformToken(source.id);
  }
  writeFileSync(file, JSON.stringify(tokens), { mode: 0o600 });
}
