import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { MalformedRequest, PayloadTooLarge, UnsupportedMediaType } from '../domain/errors.ts';
import { statusFor } from './errors.ts';
import { decodeBody, LEAD_BODY_KINDS, MAX_BODY_BYTES, parsePostedBody, readBody } from './request.ts';

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

describe('multipart bodies (decodeBody with LEAD_BODY_KINDS, then parsePostedBody)', () => {
  const boundary = '----form7MA4YWxk';
  const part = (name: string, value: string, file?: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? `; filename="${file}"\r\nContent-Type: application/octet-stream` : ''}\r\n\r\n${value}\r\n`;
  const multipart = (...parts: string[]) => `${parts.join('')}--${boundary}--\r\n`;
  const read = async (event: APIGatewayProxyEventV2) => parsePostedBody(decodeBody(event, { kinds: LEAD_BODY_KINDS }));

  it('given text parts, a repeated name and UTF-8, when read, then every field comes back with repeated values joined', async () => {
    const body = multipart(part('email', 'zoë@example.com'), part('interest', 'crm'), part('interest', 'erp'), part('__proto__', 'z'));

    const posted = await read(post(`multipart/form-data; boundary=${boundary}`, body));

    expect(Object.entries(posted.value as object)).toEqual([
      ['email', 'zoë@example.com'],
      ['interest', 'crm, erp'],
      ['__proto__', 'z'],
    ]);
    expect(posted.droppedFiles).toEqual([]);
  });

  it('given a file part with binary bytes, base64-encoded as API Gateway sends it, when read, then the file is dropped and named, and the text parts are read', async () => {
    const bytes = Buffer.concat([
      Buffer.from(part('email', 'a@b.co')),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="cv"; filename="cv.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
      Buffer.from([0x25, 0x50, 0x44, 0x46, 0xff, 0xfe, 0x00, 0x80]),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);

    const posted = await read(post(`multipart/form-data; boundary="${boundary}"`, bytes.toString('base64'), true));

    expect(posted.value).toEqual({ email: 'a@b.co' });
    expect(posted.droppedFiles).toEqual(['cv']);
  });

  it('given a multipart body over the limit, when decoded, then 413 before any part is read', () => {
    const body = multipart(part('message', 'x'.repeat(MAX_BODY_BYTES)));

    expect(() => decodeBody(post(`multipart/form-data; boundary=${boundary}`, body), { kinds: LEAD_BODY_KINDS })).toThrow(PayloadTooLarge);
  });

  it.each([
    ['a boundary the parts do not use', `multipart/form-data; boundary=other`, multipart(part('email', 'a@b.co')), MalformedRequest, 400, /not valid multipart\/form-data/],
    ['parts without a closing boundary', `multipart/form-data; boundary=${boundary}`, part('email', 'a@b.co'), MalformedRequest, 400, /not valid multipart\/form-data/],
    ['no boundary parameter', 'multipart/form-data', multipart(part('email', 'a@b.co')), UnsupportedMediaType, 415, /needs its boundary parameter/],
    ['a boundary longer than 70 characters', `multipart/form-data; boundary=${'b'.repeat(71)}`, 'x', UnsupportedMediaType, 415, /needs its boundary parameter/],
  ])('given %s, when read, then a client error says what is wrong', async (_label, contentType, body, type, status, message) => {
    const caught = await read(post(contentType, body)).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(caught).toBeInstanceOf(type);
    expect(statusFor(caught)).toBe(status);
    expect((caught as Error).message).toMatch(message);
  });

  it('given a multipart body to an endpoint that takes only JSON and forms, when read, then 415 lists what it takes', () => {
    expect(() => readBody(post(`multipart/form-data; boundary=${boundary}`, multipart(part('a', 'b'))))).toThrow(
      /must be application\/json or application\/x-www-form-urlencoded/,
    );
  });
});
