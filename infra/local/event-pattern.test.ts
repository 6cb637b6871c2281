import { describe, expect, it } from 'vitest';
import { compileFilters, compilePattern } from './event-pattern.ts';
import { TemplateError } from './intrinsics.ts';

/** A stream record in the shape Lambda filters and delivers. */
const record = (overrides: { eventName?: string; newImage?: Record<string, unknown>; sizeBytes?: number } = {}) => ({
  eventID: 'e1',
  eventName: overrides.eventName ?? 'INSERT',
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'eu-west-1',
  dynamodb: {
    Keys: { pk: { S: 'EFFECT#1' } },
    NewImage: overrides.newImage ?? { pk: { S: 'EFFECT#1' }, kind: { S: 'email' }, attempts: { N: '2' } },
    SequenceNumber: '100',
    SizeBytes: overrides.sizeBytes ?? 42,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  },
});

const matches = (pattern: unknown, event: unknown) => compilePattern(pattern)(event);

describe('matching Lambda filter patterns', () => {
  it('given an equality list, when a record has one of its values, then it matches, and not otherwise', () => {
    expect(matches({ eventName: ['INSERT', 'MODIFY'] }, record())).toBe(true);
    expect(matches({ eventName: ['INSERT', 'MODIFY'] }, record({ eventName: 'REMOVE' }))).toBe(false);
  });

  it('given nested objects, when every field matches down to the DynamoDB type, then it matches', () => {
    const pattern = { eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: ['email'] } } } };
    expect(matches(pattern, record())).toBe(true);
    expect(matches(pattern, record({ eventName: 'MODIFY' }))).toBe(false);
    expect(matches(pattern, record({ newImage: { kind: { S: 'sms' } } }))).toBe(false);
  });

  it('given numbers, booleans and null, when matched, then types are strict: 42 is not "42"', () => {
    expect(matches({ dynamodb: { SizeBytes: [42] } }, record())).toBe(true);
    expect(matches({ dynamodb: { SizeBytes: ['42'] } }, record())).toBe(false);
    expect(matches({ flag: [true] }, { flag: true })).toBe(true);
    expect(matches({ flag: [true] }, { flag: 'true' })).toBe(false);
    expect(matches({ owner: [null] }, { owner: null })).toBe(true);
    expect(matches({ owner: [null] }, {})).toBe(false);
  });

  it('given prefix, suffix and equals-ignore-case, when matched, then they test strings only', () => {
    expect(matches({ dynamodb: { Keys: { pk: { S: [{ prefix: 'EFFECT#' }] } } } }, record())).toBe(true);
    expect(matches({ dynamodb: { Keys: { pk: { S: [{ prefix: 'LEAD#' }] } } } }, record())).toBe(false);
    expect(matches({ name: [{ suffix: '.png' }] }, { name: 'a.png' })).toBe(true);
    expect(matches({ name: [{ 'equals-ignore-case': 'ALICE' }] }, { name: 'alice' })).toBe(true);
    expect(matches({ code: [{ prefix: '4' }] }, { code: 42 })).toBe(false);
  });

  it('given exists, when the leaf is present or absent, then exists true and false match accordingly', () => {
    expect(matches({ dynamodb: { NewImage: { kind: { S: [{ exists: true }] } } } }, record())).toBe(true);
    expect(matches({ dynamodb: { NewImage: { ttl: { N: [{ exists: true }] } } } }, record())).toBe(false);
    expect(matches({ dynamodb: { NewImage: { ttl: { N: [{ exists: false }] } } } }, record())).toBe(true);
  });

  it('given exists on an attribute object instead of its type, when matched, then it sees no leaf there, as EventBridge does', () => {
    expect(matches({ dynamodb: { NewImage: { kind: [{ exists: true }] } } }, record())).toBe(false);
    expect(matches({ dynamodb: { NewImage: { kind: [{ exists: false }] } } }, record())).toBe(true);
  });

  it('given anything-but, when the value is one of the excluded ones, then it does not match', () => {
    expect(matches({ eventName: [{ 'anything-but': ['REMOVE'] }] }, record())).toBe(true);
    expect(matches({ eventName: [{ 'anything-but': ['REMOVE', 'INSERT'] }] }, record())).toBe(false);
    expect(matches({ eventName: [{ 'anything-but': 'INSERT' }] }, record())).toBe(false);
    expect(matches({ eventName: [{ 'anything-but': { prefix: 'INS' } }] }, record())).toBe(false);
    // Like every rule but exists:false, it needs a value to look at.
    expect(matches({ missing: [{ 'anything-but': ['x'] }] }, record())).toBe(false);
  });

  it('given a numeric range, when the number is inside or on either bound, then it matches as the operators say', () => {
    const pattern = { dynamodb: { SizeBytes: [{ numeric: ['>', 0, '<=', 5] }] } };
    expect(matches(pattern, record({ sizeBytes: 5 }))).toBe(true);
    expect(matches(pattern, record({ sizeBytes: 0 }))).toBe(false);
    expect(matches(pattern, record({ sizeBytes: 6 }))).toBe(false);
    expect(matches({ n: [{ numeric: ['=', 3] }] }, { n: 3 })).toBe(true);
    expect(matches({ n: [{ numeric: ['>=', 3] }] }, { n: 2.5 })).toBe(false);
  });

  it('given numeric on a DynamoDB N value, when matched, then it does not match the string, as on Lambda', () => {
    expect(matches({ dynamodb: { NewImage: { attempts: { N: [{ numeric: ['>', 0] }] } } } }, record())).toBe(false);
    expect(matches({ dynamodb: { NewImage: { attempts: { N: ['2'] } } } }, record())).toBe(true);
  });

  it('given several rules for one field, when any matches, then the field matches', () => {
    expect(matches({ owner: [{ exists: false }, 'ana'] }, {})).toBe(true);
    expect(matches({ owner: [{ exists: false }, 'ana'] }, { owner: 'ana' })).toBe(true);
    expect(matches({ owner: [{ exists: false }, 'ana'] }, { owner: 'bo' })).toBe(false);
  });

  it('given an array in the event, when any element matches, then the field matches, and object fields come from one element', () => {
    expect(matches({ tags: ['b'] }, { tags: ['a', 'b'] })).toBe(true);
    expect(matches({ tags: ['c'] }, { tags: ['a', 'b'] })).toBe(false);
    const items = { items: [{ sku: 'x', qty: 1 }, { sku: 'y', qty: 2 }] };
    expect(matches({ items: { sku: ['y'], qty: [2] } }, items)).toBe(true);
    expect(matches({ items: { sku: ['y'], qty: [1] } }, items)).toBe(false);
  });

  it('given $or, when either alternative matches, then the pattern matches', () => {
    const pattern = { $or: [{ eventName: ['REMOVE'] }, { dynamodb: { NewImage: { kind: { S: ['email'] } } } }] };
    expect(matches(pattern, record())).toBe(true);
    expect(matches(pattern, record({ newImage: { kind: { S: 'sms' } } }))).toBe(false);
  });

  it('given several filters, when a record matches any of them, then it passes, and none means all pass', () => {
    const passes = compileFilters(['{"eventName":["REMOVE"]}', '{"eventName":["INSERT"]}'], 'Esm');
    expect(passes(record())).toBe(true);
    expect(passes(record({ eventName: 'MODIFY' }))).toBe(false);
    expect(compileFilters([], 'Esm')(record())).toBe(true);
  });

  it.each([
    ['a wildcard', { name: [{ wildcard: '*.png' }] }, /"wildcard" is not supported/],
    ['a cidr', { ip: [{ cidr: '10.0.0.0/24' }] }, /"cidr" is not supported/],
    ['a bare value', { eventName: 'INSERT' }, /match values go in a list/],
    ['an empty list', { eventName: [] }, /empty list/],
    ['a rule with two operators', { name: [{ prefix: 'a', suffix: 'b' }] }, /exactly one operator/],
    ['a numeric range upside down', { n: [{ numeric: ['<', 5, '>', 0] }] }, /numeric takes/],
    ['a numeric with a string bound', { n: [{ numeric: ['>', '5'] }] }, /numeric takes/],
    ['exists with a string', { n: [{ exists: 'true' }] }, /exists takes true or false/],
    ['$or with one alternative', { $or: [{ a: ['x'] }] }, /at least two/],
  ])('given a pattern with %s, when compiled, then it fails loudly naming the field', (_name, pattern, message) => {
    expect(() => compilePattern(pattern, 'Esm.Filters[0].Pattern')).toThrow(TemplateError);
    expect(() => compilePattern(pattern, 'Esm.Filters[0].Pattern')).toThrow(message);
  });

  it('given a pattern that is not JSON, when the filters are compiled, then it fails naming the filter', () => {
    expect(() => compileFilters(['{eventName: INSERT}'], 'Esm.FilterCriteria')).toThrow(/Esm\.FilterCriteria\.Filters\[0\]\.Pattern: not JSON/);
  });
});
