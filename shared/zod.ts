import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * The schema library every function carries: zod's functional build (`zod/mini`, the same zod 4
 * with checks and wrappers as functions: `z.optional(x)`, `x.check(z.minLength(1))`), which
 * bundles only what a schema uses instead of all of zod (about 450 KB). Its English messages
 * ("Invalid input: expected string, received number") are zod's own locale, loaded here and
 * nowhere else, so every message a caller reads is the same whichever module parses first.
 * Import it as `import * as z from '…/zod.ts'`: a namespace import keeps the unused parts out.
 */
z.config(en());

export * from 'zod/mini';
