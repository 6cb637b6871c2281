import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { MalformedRequest, PayloadTooLarge, UnsupportedMediaType } from '../domain/errors.ts';
import { statusFor } from './errors.ts';
import { MAX_BODY_BYTES, readBody } from './request.ts';

const post = (contentType: string | undefined, body: string, isBase64Encoded = false) =>
  ({ headers: contentType ? { 'content-type': contentType } : {}, body, isBase64Encoded }) as unknown as APIGatewayProxyEventV2;

describe('readBody', () => {
  it('given JSON, then the parsed object comes back', () => {
    expect(readBody(post('application/json; charset=utf-8', '{"email":"a@b.co"}'))).toEqual({ email: 'a@b.co' });
  });

  it('given a base64-encoded form post as API Gateway sends it, then fields come back with repeated keys joined', () => {
    const body = Buffer.from('email=a%40b.co&interest=crm&interest=erp&firstName=Zo%C3%AB').toString('base64');
    expect(readBody(post('application/x-www-form-urlencoded', body, true))).toEqual({
      email: 'a@b.co',
      interest: 'crm, erp',
      firstName: 'Zoë',
    });
  });

  it("given form keys named like Object's own properties, when read, then each is an ordinary field with its value and nothing inherited shows", () => {
    const body = readBody(post('application/x-www-form-urlencoded', 'constructor=x&toString=y&__proto__=z&hasOwnProperty=w&email=a%40b.co&constructor=x2'));

    expect(Object.entries(body as object)).toEqual([
      ['constructor', 'x, x2'],
      ['toString', 'y'],
      ['__proto__', 'z'],
      ['hasOwnProperty', 'w'],
      ['email', 'a@b.co'],
    ]);
    expect(Object.getPrototypeOf(body)).toBeNull();
  });

  it.each([
    ['{"email":"dana@example.com" "name":"Dana"}', 'Body is not valid JSON at line 1, column 29', 28],
    ['{\n  "email": "dana@example.com",\n  "name": "Dana\n}', 'Body is not valid JSON at line 3, column 16', 48],
    ['{"email":"dana@example.com",', 'Body is not valid JSON at line 1, column 29', 28],
    ['{"email":', 'Body is not valid JSON: it ends too early', 9],
    ['dana@example.com', 'Body is not valid JSON', undefined],
  ])('given the malformed JSON %j, when read, then the error says where it breaks without quoting it', (text, message, position) => {
    let caught: unknown;
    try {
      readBody(post('application/json', text));
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(MalformedRequest);
    expect((caught as MalformedRequest).message).toBe(message);
    expect((caught as MalformedRequest).position).toBe(position);
    expect((caught as MalformedRequest).cause).toBeUndefined();
  });

  it.each([
    ['malformed JSON', post('application/json', '{"email":'), MalformedRequest, 400],
    ['an empty body', post('application/json', ''), MalformedRequest, 400],
    ['invalid UTF-8', post('application/json', Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), true), MalformedRequest, 400],
    ['no content type', post(undefined, '{}'), UnsupportedMediaType, 415],
    ['text/plain', post('text/plain', 'hello'), UnsupportedMediaType, 415],
    ['a latin-1 charset', post('application/json; charset=iso-8859-1', '{}'), UnsupportedMediaType, 415],
    ['a body over the limit', post('application/json', `{"m":"${'x'.repeat(MAX_BODY_BYTES)}"}`), PayloadTooLarge, 413],
  ])('given %s, then a client error with status %3$s… is raised', (_label, event, type, status) => {
    let caught: unknown;
    try {
      readBody(event);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(type);
    expect(statusFor(caught)).toBe(status);
  });
});
