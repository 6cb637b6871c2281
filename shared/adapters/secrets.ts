import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { readFile } from 'node:fs/promises';

/**
 * Reads a secret by reference: a Secrets Manager ARN on AWS (cached for five minutes by
 * Powertools), or `file:<path>` on the local stack, where the local runtime keeps its keys.
 */
export async function loadSecret(reference: string): Promise<string> {
  if (reference.startsWith('file:')) {
    return (await readFile(reference.slice('file:'.length), 'utf8')).trim();
  }
  const value = await getSecret(reference, { maxAge: 300 });
  if (typeof value !== 'string' || value === '') throw new Error(`Secret ${reference} is empty or not text`);
  return value;
}
