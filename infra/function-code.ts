import type { BuildOptions, Metafile } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { PHONE_METADATA_FILE, packagedPhoneMetadata } from '#shared/domain/phone-metadata.ts';

/**
 * What a function's code is, for the stack and the local runtime alike, without the CDK: the
 * local runtime imports this to run the same bundle the stack deploys, and loading aws-cdk-lib
 * (hundreds of modules) would cost every local stack a second of start-up for three constants.
 */

/** Metadata key the local runtime reads to bind a synthesized function to its source entry. */
export const ENTRY_METADATA = 'lead-router:entry';

/** Metadata key listing the files copied beside the function's `index.mjs` (see `files` of LeadRouterFunctionProps). */
export const FILES_METADATA = 'lead-router:files';

/** The repository root: the project root esbuild bundles from, and what `files` are relative to. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * How every function is bundled: one minified ESM module for Node 24 with its source map, the
 * AWS SDK left to the runtime's own copy, and a `require` for the dependencies that still call it.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  external: ['@aws-sdk/*'],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
} as const satisfies BuildOptions;

/**
 * Data files a bundle reads beside `index.mjs` because its code uses a library whose data is
 * kept out of the bundle: the phone metadata wherever libphonenumber is bundled
 * (shared/domain/phone-metadata.ts). Judged from what esbuild put in, so a function that
 * never parses or shows a phone number carries neither the library nor its data.
 */
export function dataFilesOf(metafile: Metafile): { from: string; name: string }[] {
  // The output's inputs with bytes in it: the graph's inputs include what tree shaking dropped.
  const bundled = Object.values(metafile.outputs).flatMap((output) => Object.entries(output.inputs).flatMap(([input, { bytesInOutput }]) => (bytesInOutput > 0 ? [input] : [])));
  return bundled.some((input) => input.includes('node_modules/libphonenumber-js/')) ? [{ from: packagedPhoneMetadata(), name: PHONE_METADATA_FILE }] : [];
}
