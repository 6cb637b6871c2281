import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { regexes } from 'zod';
import { describe, expect, it } from 'vitest';
import { regexLiterals, superLinearShape } from '../test/support/super-linear-regex.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Production sources: tests and their fixtures (`*.test.ts`, `test-*.ts`) never see a request. */
function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !/(^|\/)test-[^/]*\.ts$/.test(file))
    .map((file) => join(folder, file));
}

/**
 * Patterns of the shapes found, each run only on values no request can make long: the stack's
 * own configuration, read at cold start.
 */
const boundedElsewhere: ReadonlyMap<string, string> = new Map([
  ['shared/domain/link-token.ts /\\/+$/', 'the stack configuration (PUBLIC_BASE_URL)'],
  ['functions/portal/composition.ts /\\/+$/', 'the stack configuration (PUBLIC_BASE_URL)'],
]);

describe('superLinearShape', () => {
  it.each([
    [/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'and'],
    [/^Bearer\s+(.+)$/i, 'and'],
    [/[\s_\-.:]+\d+$/, 'unanchored'],
    [/^-+|-+$/g, 'unanchored'],
    [/\s+$/, 'unanchored'],
    [/^(a+)+$/, 'inside'],
    [/^(\w+\s?)*$/, 'inside'],
  ])('given the backtracking pattern %s, when checked, then its shape is named', (regex, words) => {
    expect(superLinearShape(regex)).toContain(words);
  });

  it.each([
    [/^[a-z0-9][a-z0-9._-]{0,63}$/i],
    [/^[a-z]{2}(-[a-z]+)+-\d$/],
    [/<([^<>]+)>\s*$/],
    [/^(form|fields|meta)\[([^\]]*)\](?:\[([^\]]*)\])?(.*)$/],
    [/(?<![\s_\-.:])[\s_\-.:]+\d+$/],
    [/^Bearer\s+(\S+)$/i],
    [/\d[\d,.' ]*/],
    [/[\s_-]+/g],
  ])('given the linear pattern %s, when checked, then no shape is found', (regex) => {
    expect(superLinearShape(regex)).toBeUndefined();
  });
});

describe('regular expressions that see request input', () => {
  const literals = [...sources('shared'), ...sources('functions')].flatMap((file) =>
    regexLiterals(readFileSync(join(root, file), 'utf8')).map(({ regex, line }) => ({ file: relative(root, join(root, file)), regex, line })),
  );

  it('given every pattern in shared/ and functions/, when checked, then none backtracks super-linearly unless only configuration reaches it', () => {
    // The scan finds the patterns at all (a broken scan must not pass by finding none).
    expect(literals.length).toBeGreaterThan(50);

    const found = literals
      .map(({ file, regex, line }) => ({ at: `${file}:${line}`, key: `${file} ${regex}`, shape: superLinearShape(regex) }))
      .filter(({ key, shape }) => shape !== undefined && !boundedElsewhere.has(key));

    expect(found).toEqual([]);
  });

  it('given the exemptions, when checked, then each names a pattern that still exists', () => {
    const keys = new Set(literals.map(({ file, regex }) => `${file} ${regex}`));
    expect([...boundedElsewhere.keys()].filter((key) => !keys.has(key))).toEqual([]);
  });

  it('given a pattern built at run time, when looked for, then there is none (it could not be checked here)', () => {
    const built = [...sources('shared'), ...sources('functions')].filter((file) => /\bRegExp\(/.test(readFileSync(join(root, file), 'utf8')));
    expect(built).toEqual([]);
  });

  it("given zod's email pattern, which every lead's and rep's address goes through, when checked, then it is linear", () => {
    expect(superLinearShape(regexes.email)).toBeUndefined();
  });
});
