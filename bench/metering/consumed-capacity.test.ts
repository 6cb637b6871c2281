import { describe, expect, it } from 'vitest';
import { acceptsConsumedCapacity, billedUnits, consumedUnits, refusedWriteUnits, withConsumedCapacity } from './consumed-capacity.ts';

describe('withConsumedCapacity', () => {
  it('given a TransactWriteItems request, when it is rewritten, then it asks for the total and keeps every field', () => {
    const body = JSON.stringify({ TransactItems: [{ Put: { TableName: 't', Item: { pk: { S: 'a' } } } }], ClientRequestToken: 'x' });

    const rewritten = JSON.parse(withConsumedCapacity('TransactWriteItems', body));

    expect(rewritten).toEqual({ TransactItems: [{ Put: { TableName: 't', Item: { pk: { S: 'a' } } } }], ClientRequestToken: 'x', ReturnConsumedCapacity: 'TOTAL' });
  });

  it('given a request that already asks for NONE, when it is rewritten, then it asks for the total instead', () => {
    expect(JSON.parse(withConsumedCapacity('GetItem', '{"TableName":"t","ReturnConsumedCapacity":"NONE"}')).ReturnConsumedCapacity).toBe('TOTAL');
  });

  it('given a request that asks for INDEXES, when it is rewritten, then it is left as sent', () => {
    const body = '{"TableName":"t","ReturnConsumedCapacity":"INDEXES"}';
    expect(withConsumedCapacity('Query', body)).toBe(body);
  });

  it('given operations that take no ReturnConsumedCapacity, when rewritten, then the body is unchanged', () => {
    const body = '{"TableName":"t"}';
    for (const operation of ['DescribeTable', 'CreateTable', 'GetRecords', 'DescribeStream', 'UpdateTimeToLive']) {
      expect(acceptsConsumedCapacity(operation)).toBe(false);
      expect(withConsumedCapacity(operation, body)).toBe(body);
    }
  });

  it('given a body that is not a JSON object, when rewritten, then it is passed on as it came', () => {
    expect(withConsumedCapacity('PutItem', 'not json')).toBe('not json');
    expect(withConsumedCapacity('PutItem', '[1]')).toBe('[1]');
  });
});

describe('consumedUnits', () => {
  it('given a GetItem answer, then its CapacityUnits are read units of its table', () => {
    expect(consumedUnits('GetItem', '{"Item":{},"ConsumedCapacity":{"TableName":"leads","CapacityUnits":0.5}}')).toEqual({
      readUnits: 0.5,
      writeUnits: 0,
      byTable: { leads: { readUnits: 0.5, writeUnits: 0 } },
      reported: true,
    });
  });

  it('given a TransactWriteItems answer over two tables, then the write units of both are summed', () => {
    const answer = JSON.stringify({ ConsumedCapacity: [{ TableName: 'leads', CapacityUnits: 6 }, { TableName: 'audit', CapacityUnits: 2 }] });

    const units = consumedUnits('TransactWriteItems', answer);

    expect(units.writeUnits).toBe(8);
    expect(units.readUnits).toBe(0);
    expect(units.byTable).toEqual({ leads: { readUnits: 0, writeUnits: 6 }, audit: { readUnits: 0, writeUnits: 2 } });
  });

  it('given a BatchGetItem answer with one entry per table, then the read units of both are summed', () => {
    const answer = JSON.stringify({ Responses: { a: [], b: [] }, ConsumedCapacity: [{ TableName: 'a', CapacityUnits: 1.5 }, { TableName: 'b', CapacityUnits: 3 }] });

    expect(consumedUnits('BatchGetItem', answer)).toMatchObject({ readUnits: 4.5, writeUnits: 0 });
  });

  it('given an entry that splits its units into read and write, then the split is taken over the operation kind', () => {
    const answer = JSON.stringify({ ConsumedCapacity: [{ TableName: 't', CapacityUnits: 5, ReadCapacityUnits: 2, WriteCapacityUnits: 3 }] });

    expect(consumedUnits('TransactWriteItems', answer)).toMatchObject({ readUnits: 2, writeUnits: 3 });
  });

  it('given an UpdateItem answer, then its units are write units', () => {
    expect(consumedUnits('UpdateItem', '{"ConsumedCapacity":{"TableName":"t","CapacityUnits":1}}')).toMatchObject({ readUnits: 0, writeUnits: 1 });
  });

  it('given an answer without ConsumedCapacity or not JSON, then nothing is reported', () => {
    expect(consumedUnits('PutItem', '{}')).toMatchObject({ readUnits: 0, writeUnits: 0, reported: false });
    expect(consumedUnits('PutItem', '<html>')).toMatchObject({ reported: false });
  });
});

describe('refusedWriteUnits', () => {
  it('given a refused transaction of three items, then it costs two units an item', () => {
    const body = JSON.stringify({ TransactItems: [{ Put: {} }, { Update: {} }, { ConditionCheck: {} }] });
    expect(refusedWriteUnits('TransactWriteItems', body)).toBe(6);
  });

  it('given a refused conditional put, then it costs one unit; a refused read costs none', () => {
    expect(refusedWriteUnits('PutItem', '{}')).toBe(1);
    expect(refusedWriteUnits('GetItem', '{}')).toBe(0);
  });
});

describe('billedUnits', () => {
  it('given a transaction\'s reported units, then AWS bills twice them; a standard write as reported', () => {
    expect(billedUnits('TransactWriteItems', { readUnits: 0, writeUnits: 3 })).toEqual({ readUnits: 0, writeUnits: 6 });
    expect(billedUnits('TransactGetItems', { readUnits: 2, writeUnits: 0 })).toEqual({ readUnits: 4, writeUnits: 0 });
    expect(billedUnits('PutItem', { readUnits: 0, writeUnits: 1 })).toEqual({ readUnits: 0, writeUnits: 1 });
  });

  it('given a BatchGetItem that found nothing, then each key is billed at the minimum read', () => {
    const request = JSON.stringify({ RequestItems: { a: { Keys: [{}, {}, {}] }, b: { Keys: [{}], ConsistentRead: true } } });

    expect(billedUnits('BatchGetItem', { readUnits: 0, writeUnits: 0 }, request)).toEqual({ readUnits: 2.5, writeUnits: 0 });
  });

  it('given a BatchGetItem whose answer reports more than the minimum, then the reported units are billed', () => {
    const request = JSON.stringify({ RequestItems: { a: { Keys: [{}, {}] } } });

    expect(billedUnits('BatchGetItem', { readUnits: 4, writeUnits: 0 }, request)).toEqual({ readUnits: 4, writeUnits: 0 });
  });
});
