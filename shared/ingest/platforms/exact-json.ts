import { MalformedRequest } from '../../domain/errors.ts';

/**
 * JSON with the platforms' ids kept exact. Meta's ids (leadgen_id, page_id, form_id, ad_id) are
 * 64-bit numbers, and a sender may write them unquoted; `JSON.parse` would round any above 2^53
 * to a different id. The reviver's third argument (Node 22+) carries the number's source text,
 * so an id is kept as the digits that were sent, and any other integer too large to be exact
 * is kept as its text rather than as a wrong number.
 */
interface ReviverContext {
  readonly source?: string;
}

const isIdKey = (key: string) => key === 'id' || key.endsWith('_id');

export function parseExactJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text, (key: string, value: unknown, context?: ReviverContext) => {
      if (typeof value !== 'number' || context?.source === undefined) return value;
      if (isIdKey(key) || (!Number.isSafeInteger(value) && /^-?\d+$/.test(context.source))) return context.source;
      return value;
    });
  } catch (error) {
    throw new MalformedRequest(`${what} is not valid JSON`, { cause: error });
  }
}

/** An id as text: given as a string (the documented form) or as the exact digits of a number. */
export function idText(value: unknown): string | undefined {
  if (typeof value === 'string' && /^[\w:.()@,-]{1,200}$/.test(value.trim())) return value.trim();
  return undefined;
}
