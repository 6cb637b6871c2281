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
