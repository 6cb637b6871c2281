import { TemplateError } from './intrinsics.ts';

/**
 * Lambda's event filtering (`FilterCriteria`), which speaks EventBridge's pattern language:
 * each record, as JSON in the shape the function receives, is matched against the mapping's
 * patterns, OR-ed; a record matching none is dropped before batching.
 *
 * Supported, as Lambda documents them: equality lists of strings, numbers, booleans and null;
 * `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (a value, a list, or a prefix /
 * suffix), `numeric` comparisons, `exists`, nested objects and `$or`. A pattern using anything
 * else (wildcard, cidr, ...) is rejected when it is compiled, so a local run never matches
 * silently what Lambda would match differently.
 *
 * The semantics follow EventBridge's matcher (aws/event-ruler), which Lambda uses:
 * - Rules apply to leaf values only. An object at the matched path has no leaves, so it matches
 *   only `{"exists": false}`; for DynamoDB records that means `"ttl": {"N": [{"exists": true}]}`,
 *   not `"ttl": [{"exists": true}]`.
 * - An array in the event matches when any of its elements does; objects inside arrays are
 *   matched element by element, so the fields of one object pattern come from one element.
 * - Types are strict: the pattern `5` does not match the string `"5"`, and `numeric` matches JSON
 *   numbers only. DynamoDB's `N` values are strings, so `{"N": [{"numeric": [">", 0]}]}` does
 *   not match them, as users of Lambda report (aws/serverless-application-model#3123).
 */

export type EventPredicate = (event: unknown) => boolean;

/** Compiles a mapping's `FilterCriteria` patterns; an empty list lets every record through. */
export function compileFilters(patterns: readonly string[], where: string): EventPredicate {
  const compiled = patterns.map((text, i) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new TemplateError(`${where}.Filters[${i}].Pattern: not JSON: ${(error as Error).message}`);
    }
    return compilePattern(parsed, `${where}.Filters[${i}].Pattern`);
  });
  if (compiled.length === 0) return () => true;
  return (event) => compiled.some((matches) => matches(event));
}

/** Compiles one pattern (parsed JSON); throws TemplateError naming `where` for what it cannot match. */
export function compilePattern(pattern: unknown, where = 'pattern'): EventPredicate {
  return compileObject(pattern, where);
}

type Leaf = string | number | boolean | null;
type LeafRule = { readonly kind: 'exists'; readonly exists: boolean } | { readonly kind: 'test'; readonly test: (leaf: Leaf) => boolean };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function compileObject(pattern: unknown, where: string): EventPredicate {
  if (!isPlainObject(pattern)) throw new TemplateError(`${where}: a pattern is a JSON object, got ${JSON.stringify(pattern)}`);
  const entries = Object.entries(pattern);
  if (entries.length === 0) throw new TemplateError(`${where}: an empty object matches nothing useful; leave the field out`);
  const checks: ((value: unknown) => boolean)[] = entries.map(([key, sub]) => {
    const at = `${where}.${key}`;
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2) throw new TemplateError(`${at}: $or takes a list of at least two patterns`);
      const alternatives = sub.map((alternative, i) => compileObject(alternative, `${at}[${i}]`));
      return (value) => alternatives.some((matches) => matches(value));
    }
    if (Array.isArray(sub)) {
      const rules = compileRules(sub, at);
      return (value) => {
        const found = leavesOf(fieldOf(value, key));
        return rules.some((rule) => (rule.kind === 'exists' ? rule.exists === found.length > 0 : found.some(rule.test)));
      };
    }
    if (isPlainObject(sub)) {
      const nested = compileObject(sub, at);
      return (value) => nested(fieldOf(value, key));
    }
    throw new TemplateError(`${at}: match values go in a list, e.g. [${JSON.stringify(sub)}]`);
  });
  const matchesOne = (value: unknown) => checks.every((check) => check(value));
  // Objects inside an array are tried one by one: all fields must match within one element.
  return (value) => {
    if (!Array.isArray(value)) return matchesOne(value);
    const objects = value.filter(isPlainObject);
    return objects.length === 0 ? matchesOne(undefined) : objects.some(matchesOne);
  };
}

function fieldOf(value: unknown, key: string): unknown {
  return isPlainObject(value) ? value[key] : undefined;
}

/** The leaf values at a path: the value itself, the primitives of an array, or none. */
function leavesOf(value: unknown): Leaf[] {
  if (value === undefined) return [];
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [value];
  if (Array.isArray(value)) return value.flatMap(leavesOf);
  return [];
}

function compileRules(list: unknown[], where: string): LeafRule[] {
  if (list.length === 0) throw new TemplateError(`${where}: an empty list matches nothing`);
  return list.map((item, i): LeafRule => {
    const at = `${where}[${i}]`;
    if (item === null || typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
      return { kind: 'test', test: (leaf) => leaf === item };
    }
    if (!isPlainObject(item)) throw new TemplateError(`${at}: lists inside match lists are not allowed`);
    const keys = Object.keys(item);
    if (keys.length !== 1) throw new TemplateError(`${at}: a rule has exactly one operator, got ${JSON.stringify(item)}`);
    const [operator] = keys as [string];
    const operand = item[operator];
    switch (operator) {
      case 'exists':
        if (typeof operand !== 'boolean') throw new TemplateError(`${at}: exists takes true or false`);
        return { kind: 'exists', exists: operand };
      case 'prefix':
      case 'suffix':
      case 'equals-ignore-case':
        return { kind: 'test', test: stringTest(operator, operand, at) };
      case 'anything-but':
        return { kind: 'test', test: anythingBut(operand, at) };
      case 'numeric':
        return { kind: 'test', test: numeric(operand, at) };
      default:
        throw new TemplateError(`${at}: "${operator}" is not supported by the local event filter`);
    }
  });
}

function stringTest(operator: string, operand: unknown, where: string): (leaf: Leaf) => boolean {
  if (typeof operand !== 'string') throw new TemplateError(`${where}: ${operator} takes a string, got ${JSON.stringify(operand)}`);
  if (operator === 'prefix') return (leaf) => typeof leaf === 'string' && leaf.startsWith(operand);
  if (operator === 'suffix') return (leaf) => typeof leaf === 'string' && leaf.endsWith(operand);
  const lower = operand.toLowerCase();
  return (leaf) => typeof leaf === 'string' && leaf.toLowerCase() === lower;
}

function anythingBut(operand: unknown, where: string): (leaf: Leaf) => boolean {
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    const [operator] = keys;
    if (keys.length !== 1 || (operator !== 'prefix' && operator !== 'suffix')) {
      throw new TemplateError(`${where}: anything-but takes a value, a list, {"prefix": ...} or {"suffix": ...}`);
    }
    const inner = stringTest(operator, operand[operator], where);
    return (leaf) => typeof leaf === 'string' && !inner(leaf);
  }
  const excluded = Array.isArray(operand) ? operand : [operand];
  if (excluded.length === 0 || !excluded.every((value) => typeof value === 'string' || typeof value === 'number')) {
    throw new TemplateError(`${where}: anything-but takes strings or numbers, got ${JSON.stringify(operand)}`);
  }
  return (leaf) => !excluded.includes(leaf as string | number);
}

const COMPARE: Record<string, (value: number, bound: number) => boolean> = {
  '=': (value, bound) => value === bound,
  '<': (value, bound) => value < bound,
  '<=': (value, bound) => value <= bound,
  '>': (value, bound) => value > bound,
  '>=': (value, bound) => value >= bound,
};

/** `["=", 5]`, one bound (`[">", 0]`) or a range with a lower then an upper bound. */
function numeric(operand: unknown, where: string): (leaf: Leaf) => boolean {
  const invalid = () => new TemplateError(`${where}: numeric takes ["=", n], [op, n] or [">"|">=", low, "<"|"<=", high], got ${JSON.stringify(operand)}`);
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) throw invalid();
  const conditions: [string, number][] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const [op, bound] = [operand[i], operand[i + 1]];
    if (typeof op !== 'string' || !(op in COMPARE) || typeof bound !== 'number' || !Number.isFinite(bound)) throw invalid();
    conditions.push([op, bound]);
  }
  if (conditions.length === 2) {
    const [[low], [high]] = conditions as [[string, number], [string, number]];
    if (!(low === '>' || low === '>=') || !(high === '<' || high === '<=')) throw invalid();
  }
  return (leaf) => typeof leaf === 'number' && conditions.every(([op, bound]) => COMPARE[op]!(leaf, bound));
}
