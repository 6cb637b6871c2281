import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSync } from 'oxc-parser';
import { analyse } from 'scslre';
import { describe, expect, it } from 'vitest';
import { regexes } from 'zod';

/*
 * Every regular expression in production code, checked for super-linear backtracking with
 * scslre (the analysis behind eslint-plugin-regexp's no-super-linear-backtracking): a pattern
 * that a request's value reaches must not take quadratic or exponential time on a long run of
 * one character. Literals are found by a parser (oxc), so strings, comments and divisions are
 * never mistaken for patterns.
 */
const root = fileURLToPath(new URL('..', import.meta.url));

/** Production sources: tests and their fixtures (`*.test.ts`, `test-*.ts`) never see a request. */
function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !/(^|\/)test-[^/]*\.ts$/.test(file))
    .map((file) => join(folder, file));
}

interface Literal {
  readonly at: string;
  readonly regex: RegExp;
}

function literalsOf(file: string): Literal[] {
  const text = readFileSync(join(root, file), 'utf8');
  const { program, errors } = parseSync(file, text);
  expect(errors, file).toEqual([]);
  const found: Literal[] = [];
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const { type, regex, start } = node as { type?: string; regex?: { pattern: string; flags: string }; start?: number };
    if (type === 'Literal' && regex) {
      const line = text.slice(0, start).split('\n').length;
      found.push({ at: `${file}:${line}`, regex: new RegExp(regex.pattern, regex.flags) });
    }
    for (const child of Object.values(node)) visit(child);
  };
  visit(program);
  return found;
}

/** What scslre reports for a pattern: one line per finding, empty when it is linear. */
const findings = (regex: RegExp): string[] =>
  analyse(regex).reports.map((report) => `${report.exponential ? 'exponential' : 'polynomial'} ${report.type} backtracking in ${regex}`);

/**
 * Patterns with a finding that only the stack's own configuration reaches (read at cold start),
 * never a request, by where they are and what they are.
 */
const boundedElsewhere: ReadonlyMap<string, string> = new Map([
  ['shared/domain/link-token.ts /\\/+$/', 'the stack configuration (PUBLIC_BASE_URL)'],
  ['functions/portal/composition.ts /\\/+$/', 'the stack configuration (PUBLIC_BASE_URL)'],
  ['shared/adapters/platform-api.ts /\\/+$/', 'the stack configuration (a platform source\'s apiBaseUrl, PLATFORM_API_BASE_URL)'],
]);

const literals = [...sources('shared'), ...sources('functions')].flatMap(literalsOf);
const keyOf = ({ at, regex }: Literal) => `${at.replace(/:\d+$/, '')} ${regex}`;

describe('the backtracking analysis', () => {
  it.each([/^[^\s@]+@[^\s@]+\.[^\s@]+$/, /[\s_\-.:]+\d+$/, /^(a+)+$/])('given the backtracking pattern %s, when analysed, then it is reported', (regex) => {
    expect(findings(regex)).not.toEqual([]);
  });

  it.each([/^[a-z0-9][a-z0-9._-]{0,63}$/i, /^Bearer\s+(\S+)$/i, /[\s_-]+/g])('given the linear pattern %s, when analysed, then nothing is reported', (regex) => {
    expect(findings(regex)).toEqual([]);
  });
});

describe('regular expressions in shared/ and functions/', () => {
  it('given every pattern, when analysed, then none backtracks super-linearly unless only configuration reaches it', () => {
    // The scan finds the patterns at all: a broken scan must not pass by finding none.
    expect(literals.length).toBeGreaterThan(50);

    const found = literals.filter((literal) => !boundedElsewhere.has(keyOf(literal))).flatMap((literal) => findings(literal.regex).map((finding) => `${literal.at}: ${finding}`));

    expect(found).toEqual([]);
  });

  it('given the exemptions, when checked, then each names a pattern that still exists and still needs it', () => {
    const byKey = new Map(literals.map((literal) => [keyOf(literal), literal]));
    expect([...boundedElsewhere.keys()].filter((key) => !byKey.has(key) || findings(byKey.get(key)!.regex).length === 0)).toEqual([]);
  });

  it('given a pattern built at run time, when looked for, then there is none (it could not be checked here)', () => {
    const built = [...sources('shared'), ...sources('functions')].filter((file) => /\bRegExp\(/.test(readFileSync(join(root, file), 'utf8')));
    expect(built).toEqual([]);
  });

  it("given zod's email pattern, which every lead's and rep's address goes through, when analysed, then it is linear", () => {
    expect(findings(regexes.email)).toEqual([]);
  });
});
