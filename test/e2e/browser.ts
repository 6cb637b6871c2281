import sparticuz from '@sparticuz/chromium';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Screenshots are artifacts, not committed. */
export const screenshots = new URL('../../test-results/screenshots/', import.meta.url);

/**
 * Flags of the packaged build that only make sense on Lambda (one process, no web security):
 * the pages under test must run with their own CSP and frame rules in force.
 */
const LAMBDA_ONLY_FLAGS = new Set(['--single-process', '--no-zygote', '--disable-web-security', '--allow-running-insecure-content']);
/** The machine has no network beyond localhost; keep Chromium from reaching for it. */
const OFFLINE_FLAGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * The Chromium that `npm install` brought (`@sparticuz/chromium` ships it compressed and unpacks
 * it on first use), unless CHROMIUM_PATH names another one, e.g. Debian's /usr/bin/chromium.
 * A browser that will not start is a failure that says what to do, never a skipped test.
 */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(screenshots, { recursive: true });
  const override = process.env.CHROMIUM_PATH;
  let executablePath = override;
  try {
    executablePath ??= await sparticuz.executablePath();
    return await chromium.launch({
      executablePath,
      args: [...sparticuz.args.filter((flag) => !LAMBDA_ONLY_FLAGS.has(flag)), ...OFFLINE_FLAGS],
    });
  } catch (error) {
    const hint = override
      ? `CHROMIUM_PATH=${override} did not start; point it at a working Chromium or unset it to use the one npm installs`
      : 'the Chromium from @sparticuz/chromium did not start; run `npm install` again, or set CHROMIUM_PATH to a Chromium (e.g. /usr/bin/chromium)';
    throw new Error(`Browser tests need Chromium: ${hint}.`, { cause: error });
  }
}
