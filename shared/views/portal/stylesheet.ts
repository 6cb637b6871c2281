import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The portal's stylesheet, read once at cold start from `portal.css` beside this module. The
 * Lambda bundle is a single `index.mjs`, so the portal function's stack copies the file next to
 * it: the same relative URL finds it from source (local runs, tests) and from the bundle.
 */
export const portalCss = readFileSync(new URL('./portal.css', import.meta.url), 'utf8');

/** The route that serves it. */
export const STYLESHEET_PATH = '/portal/styles.css';

/**
 * What pages link: the content hash in the query lets browsers keep the stylesheet for a year
 * and still fetch a changed one right after a deploy.
 */
export const stylesheetHref = `${STYLESHEET_PATH}?v=${createHash('sha256').update(portalCss).digest('hex').slice(0, 12)}`;
