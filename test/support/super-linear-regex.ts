/**
 * A conservative check for regular expressions whose backtracking grows faster than their input:
 * the shapes behind nearly every ReDoS report, found on runs of one repeated character.
 * - two unbounded repeats that can both take the character, with nothing between them that
 *   must differ from it (`[^@]+\.[^@]+$`): every split of the run is tried, quadratic;
 * - an unbounded repeat that a search may start at any position of the run (no `^`), followed
 *   by something that can fail (`-+$`): each start scans the rest of the run, quadratic;
 * - an unbounded repeat inside an unbounded repeat whose iterations can share the run
 *   (`(a+)+`): exponential.
 * Not a proof of linearity: what it cannot read (a backreference) counts as any character, so
 * it errs towards reporting. Test support only.
 */

type Node =
  /** One character of a class, an escape, a literal or the dot. */
  | { readonly kind: 'char'; readonly source: string }
  /** `^`, `$`, `\b`, `\B`: zero-width, may fail. */
  | { readonly kind: 'assert'; readonly source: string }
  /** A lookahead or lookbehind: zero-width, may fail. */
  | { readonly kind: 'look'; readonly negative: boolean; readonly behind: boolean; readonly alternatives: Node[][] }
  | { readonly kind: 'group'; readonly alternatives: Node[][] }
  | { readonly kind: 'repeat'; readonly node: Node; readonly min: number; readonly max: number };

/** Characters a run could repeat, as far as the patterns of this project tell them apart. */
const SAMPLE = [...'aAzZ059 \t\n\r\u2028\u00a0-_.:/@+,;"\'<>&%#?=|[]()*\\é~!$^`{}', '\u0301', '\u0000'];

class Parser {
  #at = 0;
  readonly pattern: string;

  constructor(pattern: string) {
    this.pattern = pattern;
  }

  alternatives(): Node[][] {
    const alternatives: Node[][] = [this.sequence()];
    while (this.pattern[this.#at] === '|') {
      this.#at++;
      alternatives.push(this.sequence());
    }
    return alternatives;
  }

  done(): boolean {
    return this.#at >= this.pattern.length;
  }

  sequence(): Node[] {
    const nodes: Node[] = [];
    while (this.#at < this.pattern.length && this.pattern[this.#at] !== '|' && this.pattern[this.#at] !== ')') nodes.push(this.quantified(this.atom()));
    return nodes;
  }

  atom(): Node {
    const start = this.#at;
    const char = this.pattern[this.#at++]!;
    if (char === '^' || char === '$') return { kind: 'assert', source: char };
    if (char === '\\') {
      const escaped = this.pattern[this.#at++]!;
      if (escaped === 'b' || escaped === 'B') return { kind: 'assert', source: `\\${escaped}` };
      if ((escaped === 'u' || escaped === 'p' || escaped === 'P') && this.pattern[this.#at] === '{') this.#at = this.pattern.indexOf('}', this.#at) + 1;
      else if (escaped === 'u') this.#at += 4;
      else if (escaped === 'x') this.#at += 2;
      else if (escaped === 'c') this.#at += 1;
      else if (escaped === 'k') this.#at = this.pattern.indexOf('>', this.#at) + 1;
      // A backreference can repeat anything: counted as the dot.
      if (/[1-9k]/.test(escaped)) return { kind: 'char', source: '[^]' };
      return { kind: 'char', source: this.pattern.slice(start, this.#at) };
    }
    if (char === '[') {
      while (this.pattern[this.#at] !== ']') this.#at += this.pattern[this.#at] === '\\' ? 2 : 1;
      this.#at++;
      return { kind: 'char', source: this.pattern.slice(start, this.#at) };
    }
    if (char === '(') {
      let look: { negative: boolean; behind: boolean } | undefined;
      if (this.pattern.startsWith('?:', this.#at)) this.#at += 2;
      else if (/^\?<?[=!]/.test(this.pattern.slice(this.#at, this.#at + 3))) {
        const behind = this.pattern[this.#at + 1] === '<';
        look = { behind, negative: this.pattern[this.#at + (behind ? 2 : 1)] === '!' };
        this.#at += behind ? 3 : 2;
      } else if (this.pattern.startsWith('?<', this.#at)) this.#at = this.pattern.indexOf('>', this.#at) + 1;
      const alternatives = this.alternatives();
      this.#at++;
      return look ? { kind: 'look', ...look, alternatives } : { kind: 'group', alternatives };
    }
    return { kind: 'char', source: char === '/' ? '\\/' : this.pattern.slice(start, this.#at) };
  }

  quantified(node: Node): Node {
    const rest = this.pattern.slice(this.#at);
    const braces = /^\{(\d+)(,(\d*))?\}/.exec(rest);
    let min: number;
    let max: number;
    if (rest[0] === '*' || rest[0] === '+' || rest[0] === '?') {
      [min, max] = rest[0] === '*' ? [0, Infinity] : rest[0] === '+' ? [1, Infinity] : [0, 1];
      this.#at++;
    } else if (braces) {
      min = Number(braces[1]);
      max = braces[2] === undefined ? min : braces[3] === '' ? Infinity : Number(braces[3]);
      this.#at += braces[0].length;
    } else return node;
    if (this.pattern[this.#at] === '?') this.#at++;
    return { kind: 'repeat', node, min, max };
  }
}

/** Up to this many paths through a pattern's alternatives are looked at; more is not a form check. */
const MAX_PATHS = 2_000;

/** Every path through the alternatives and optional parts, as flat lists of chars, asserts, looks and repeats. */
function paths(nodes: readonly Node[]): Node[][] {
  let result: Node[][] = [[]];
  for (const node of nodes) {
    let expansions: Node[][];
    if (node.kind === 'group') expansions = node.alternatives.flatMap(paths);
    else if (node.kind === 'repeat' && node.max === 1) expansions = [[], ...paths([node.node])];
    else expansions = [[node]];
    result = result.flatMap((path) => expansions.map((expansion) => [...path, ...expansion]));
    if (result.length > MAX_PATHS) throw new Error('too many alternatives to check');
  }
  return result;
}

/** Membership of one sample character, with the pattern's flags (`i` folds case). */
function accepts(source: string, flags: string, char: string): boolean {
  return new RegExp(`^(?:${source})$`, flags.replace(/[gy]/g, '')).test(char);
}

interface Checked {
  readonly flags: string;
}

/** The characters a node can take one of. */
function charsOf(node: Node, { flags }: Checked): Set<string> {
  if (node.kind === 'char') return new Set(SAMPLE.filter((char) => accepts(node.source, flags, char)));
  if (node.kind === 'repeat') return charsOf(node.node, { flags });
  if (node.kind === 'group') return new Set(node.alternatives.flat().flatMap((child) => [...charsOf(child, { flags })]));
  return new Set();
}

/** Matches the empty string without any test (a repeat of zero or more). */
function alwaysMatches(node: Node): boolean {
  if (node.kind === 'repeat') return node.min === 0 || alwaysMatches(node.node);
  if (node.kind === 'group') return node.alternatives.some((alternative) => alternative.every(alwaysMatches));
  return false;
}

/** The characters a node can take a run of any length of: every part of one iteration takes it. */
function pumpable(node: Node, checked: Checked): Set<string> {
  if (node.kind !== 'repeat' || node.max !== Infinity) return new Set();
  return new Set([...charsOf(node.node, checked)].filter((char) => paths([node.node]).some((path) => path.every((part) => passes(part, char, checked)))));
}

/** Whether `char` can get past a node while a run of it is matched (zero-width tests let it by, but a lookbehind refusing it does not). */
function passes(node: Node, char: string, checked: Checked): boolean {
  if (node.kind === 'assert') return node.source !== '^' && node.source !== '$';
  if (node.kind === 'look') return !(node.negative && node.behind && node.alternatives.flat().some((part) => charsOf(part, checked).has(char)));
  return alwaysMatches(node) || charsOf(node, checked).has(char);
}

function canFail(nodes: readonly Node[]): boolean {
  return nodes.some((node) => !alwaysMatches(node));
}

/** What makes the pattern super-linear, or undefined when none of the three shapes is found. */
export function superLinearShape(regex: RegExp): string | undefined {
  const parser = new Parser(regex.source);
  const alternatives = parser.alternatives();
  if (!parser.done()) throw new Error(`cannot read /${regex.source}/`);
  const checked: Checked = { flags: regex.flags };
  return findShape(alternatives, checked, regex.sticky);
}

function findShape(alternatives: Node[][], checked: Checked, anchored: boolean): string | undefined {
  for (const path of alternatives.flatMap(paths)) {
    const startsAnchored = anchored || (path[0]?.kind === 'assert' && path[0].source === '^');
    for (const [j, node] of path.entries()) {
      if (node.kind === 'look') {
        const inner = findShape(node.alternatives, checked, true);
        if (inner) return inner;
      }
      if (node.kind !== 'repeat') continue;
      if (node.max === Infinity) {
        const nested = nestedRepeat(node, checked);
        if (nested) return nested;
      }
      const inner = findShape([[node.node]], checked, true);
      if (inner) return inner;
      const run = pumpable(node, checked);
      if (run.size === 0 || !canFail(path.slice(j + 1))) continue;
      if (!startsAnchored && [...run].some((char) => path.slice(0, j).every((part) => passes(part, char, checked)))) {
        return `an unanchored search can start anywhere in a run that ${describe(node)} takes`;
      }
      for (const [i, earlier] of path.slice(0, j).entries()) {
        const shared = [...pumpable(earlier, checked)].filter((char) => run.has(char));
        if (shared.some((char) => path.slice(i + 1, j).every((part) => passes(part, char, checked)))) {
          return `${describe(earlier)} and ${describe(node)} can split the same run`;
        }
      }
    }
  }
  return undefined;
}

/** An unbounded repeat whose body holds one too, where consecutive iterations can share a run. */
function nestedRepeat(outer: Extract<Node, { kind: 'repeat' }>, checked: Checked): string | undefined {
  for (const body of paths([outer.node])) {
    for (const [k, part] of body.entries()) {
      const run = pumpable(part, checked);
      const around = [...body.slice(0, k), ...body.slice(k + 1)];
      if ([...run].some((char) => around.every((other) => passes(other, char, checked)))) return `${describe(part)} repeats inside ${describe(outer)}`;
    }
  }
  return undefined;
}

function describe(node: Node): string {
  if (node.kind === 'char' || node.kind === 'assert') return node.source;
  if (node.kind === 'repeat') return `${describe(node.node)}${node.min === 0 ? '*' : node.min === 1 ? '+' : `{${node.min},}`}`;
  return `(${node.alternatives.map((alternative) => alternative.map(describe).join('')).join('|')})`;
}

/** The regular expression literals of a TypeScript source, with their line: comments, strings and templates skipped. */
export function regexLiterals(text: string): { regex: RegExp; line: number }[] {
  const found: { regex: RegExp; line: number }[] = [];
  // After one of these, a slash starts a regular expression rather than a division.
  const expressionStart = /(?:^|[(,=:[!&|?{};+\-*%<>~^]|\b(?:return|typeof|case|of|in|void|delete|throw|new|yield|await))$/;
  const templates: number[] = [];
  let last = '';
  let at = 0;
  while (at < text.length) {
    const char = text[at]!;
    if (char === '/' && text[at + 1] === '/') {
      at = text.indexOf('\n', at);
      if (at < 0) break;
      continue;
    }
    if (char === '/' && text[at + 1] === '*') {
      at = text.indexOf('*/', at + 2) + 2;
      continue;
    }
    if (char === '"' || char === "'") {
      let end = at + 1;
      while (text[end] !== char) end += text[end] === '\\' ? 2 : 1;
      at = end + 1;
      last = 'x';
      continue;
    }
    if (char === '`' || (char === '}' && templates.at(-1) === 0)) {
      if (char === '}') templates.pop();
      let end = at + 1;
      while (text[end] !== '`' && !(text[end] === '$' && text[end + 1] === '{')) end += text[end] === '\\' ? 2 : 1;
      if (text[end] === '`') {
        at = end + 1;
        last = 'x';
      } else {
        templates.push(0);
        at = end + 2;
        last = '{';
      }
      continue;
    }
    if (templates.length && (char === '{' || char === '}')) templates[templates.length - 1]! += char === '{' ? 1 : -1;
    if (char === '/' && expressionStart.test(last)) {
      let end = at + 1;
      let inClass = false;
      while (inClass || text[end] !== '/') {
        if (text[end] === '\\') end++;
        else if (text[end] === '[') inClass = true;
        else if (text[end] === ']') inClass = false;
        end++;
      }
      let flagsEnd = end + 1;
      while (/[a-z]/.test(text[flagsEnd] ?? '')) flagsEnd++;
      found.push({ regex: new RegExp(text.slice(at + 1, end), text.slice(end + 1, flagsEnd)), line: text.slice(0, at).split('\n').length });
      at = flagsEnd;
      last = 'x';
      continue;
    }
    if (!/\s/.test(char)) last = (last + char).slice(-8);
    at++;
  }
  return found;
}
