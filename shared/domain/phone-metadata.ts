import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { MetadataJson } from 'libphonenumber-js/core';

/**
 * libphonenumber's `min` metadata (every country's prefixes, lengths and formats), read on the
 * first phone number a function parses or shows, never at its cold start. A function's bundle
 * carries only the library's code: the metadata (82 KB of JSON, the larger part of the library)
 * is a file beside `index.mjs`, copied there by the stack for each bundle whose code uses the
 * library (infra/lead-router-function.ts), and read from the package itself from source.
 */
export const PHONE_METADATA_FILE = 'metadata.min.json';

const packageRequire = createRequire(import.meta.url);

/** Where the package keeps it: what the stack copies beside a bundle. */
export const packagedPhoneMetadata = (): string => packageRequire.resolve(`libphonenumber-js/${PHONE_METADATA_FILE}`);

let metadata: MetadataJson | undefined;

export function phoneMetadata(): MetadataJson {
  if (metadata) return metadata;
  // The name as PHONE_METADATA_FILE says, written out so the bundle shows what it reads beside it.
  const beside = new URL('./metadata.min.json', import.meta.url);
  metadata = JSON.parse(readFileSync(existsSync(beside) ? beside : packagedPhoneMetadata(), 'utf8')) as MetadataJson;
  return metadata;
}
