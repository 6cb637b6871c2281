import { describe, expect, it, vi } from 'vitest';
import { readBody } from '#shared/http/request.ts';
import { PublicSourceSchema, SignedSourceSchema, TokenSourceSchema } from '#shared/ingest/source-config.ts';
import {
  buildSourceEvent,
  functionForEventFile,
  isSourcePayloadFile,
  presentResult,
  rawBodyOf,
  resolveFunctionId,
  SAMPLE_API_HOST,
  type SignDelivery,
  type SourcePayload,
} from './invoke.ts';

const now = new Date('2026-03-01T10:00:00.000Z');
const logicalIds = ['IngestFunction4B2F2EB2', 'RouteFunction4D392DAD', 'ActionsFunction903E5C12', 'EscalateFunctionC839C680', 'PortalFunction8161D359', 'AdminFunction09BA95C5', 'AdminImportsFunction1BA21B13'];
const noSigning: SignDelivery = () => ({});

const jsonPayload: SourcePayload = {
  source: 'zapier',
  contentType: 'application/json',
  body: { first_name: 'Jonas', email: 'jonas@example.de', tags: ['solar', 'battery'] },
};
const formBody = 'your-name=Lena+Fischer&your-email=lena%40example.de&product=heat-pump&note=M%C3%BCnchen+%26+Umgebung';
const formPayload: SourcePayload = { source: 'wordpress', contentType: 'application/x-www-form-urlencoded', body: formBody };

describe('which function a sample event is for', () => {
  it.each([
    ['events/ingest/post-lead-json.json', 'IngestFunction'],
    ['events/sources/typeform.json', 'IngestFunction'],
    ['events/route/routing-batch.json', 'RouteFunction'],
    ['events/actions/open-link.json', 'ActionsFunction'],
    ['events/escalate/sla-deadline.json', 'EscalateFunction'],
    ['events/portal/my-leads.json', 'PortalFunction'],
    ['events/admin/simulate.json', 'AdminFunction'],
    ['/home/me/lead-router/events/escalate/reminder.json', 'EscalateFunction'],
    ['./events/portal/nested/deeper.json', 'PortalFunction'],
  ])('given %s, when its folder is read, then it is for %s', (file, expected) => {
    expect(functionForEventFile(file)).toBe(expected);
  });

  it('given a file in a folder no function owns or outside events/, when its folder is read, then no function is named', () => {
    expect(functionForEventFile('events/leads/demo-mix.json')).toBeUndefined();
    expect(functionForEventFile('events/loose.json')).toBeUndefined();
    expect(functionForEventFile('test/integration/stack.json')).toBeUndefined();
  });

  it('given files under events/sources/ and elsewhere, when asked whether they are sender payloads, then only the former are', () => {
    expect(isSourcePayloadFile('events/sources/hubspot.json')).toBe(true);
    expect(isSourcePayloadFile('events/ingest/post-lead-form.json')).toBe(false);
  });

  it.each([
    ['IngestFunction', 'IngestFunction4B2F2EB2'],
    ['ingest', 'IngestFunction4B2F2EB2'],
    ['Escalate', 'EscalateFunctionC839C680'],
    ['AdminFunction09BA95C5', 'AdminFunction09BA95C5'],
    ['admin', 'AdminFunction09BA95C5'],
    ['admin-imports', 'AdminImportsFunction1BA21B13'],
  ])('given --function %s, when resolved against the stack, then it is %s', (name, expected) => {
    expect(resolveFunctionId(name, logicalIds)).toBe(expected);
  });

  it('given a name no function has, when resolved, then nothing matches', () => {
    expect(resolveFunctionId('Billing', logicalIds)).toBeUndefined();
    expect(resolveFunctionId('Function', logicalIds)).toBeUndefined();
  });
});

describe('a sender payload as an API Gateway event', () => {
  const token = TokenSourceSchema.parse({ id: 'zapier', auth: 'token' });

  it('given a JSON payload, when built, then it is the POST /sources/{sourceId}/leads event with the JSON as plain text', () => {
    const event = buildSourceEvent({ payload: jsonPayload, functionLogicalId: 'IngestFunction4B2F2EB2', now, requestId: 'req-1', auth: { source: token, secret: 's3cret', sign: noSigning } });

    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /sources/{sourceId}/leads',
      rawPath: '/sources/zapier/leads',
      rawQueryString: '',
      pathParameters: { sourceId: 'zapier' },
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/sources/zapier/leads' }, domainName: SAMPLE_API_HOST, requestId: 'req-1', timeEpoch: now.getTime() },
    });
    expect(event.body).toBe(JSON.stringify(jsonPayload.body));
    expect(event.headers).toMatchObject({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(event.body!)), host: SAMPLE_API_HOST });
    expect(readBody(event)).toEqual(jsonPayload.body);
  });

  it('given a form-encoded payload, when built, then the body arrives base64 as API Gateway sends forms, byte for byte as posted', () => {
    const event = buildSourceEvent({ payload: formPayload, functionLogicalId: 'IngestFunction4B2F2EB2', now, requestId: 'req-2' });

    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64').toString('utf8')).toBe(formBody);
    expect(event.headers['content-length']).toBe(String(Buffer.byteLength(formBody)));
    expect(readBody(event)).toEqual({ 'your-name': 'Lena Fischer', 'your-email': 'lena@example.de', product: 'heat-pump', note: 'München & Umgebung' });
  });

  it('given a form payload written as an object, when its raw body is made, then it is form-encoded with repeated keys', () => {
    expect(rawBodyOf({ source: 'x', contentType: 'application/x-www-form-urlencoded; charset=utf-8', body: { name: 'Ana B', interest: ['solar', 'battery'] } })).toBe(
      'name=Ana+B&interest=solar&interest=battery',
    );
  });

  it('given a token source, when built, then the secret travels in x-lead-router-token', () => {
    const event = buildSourceEvent({ payload: jsonPayload, functionLogicalId: 'IngestFunction4B2F2EB2', now, requestId: 'req-3', auth: { source: token, secret: 's3cret', sign: noSigning } });
    expect(event.headers['x-lead-router-token']).toBe('s3cret');
  });

  it('given a signed source, when built, then the delivery is signed with its scheme, URL, exact body and secret, and the headers are added', () => {
    const source = SignedSourceSchema.parse({ id: 'typeform', auth: 'signed', signature: 'typeform' });
    const sign = vi.fn<SignDelivery>(() => ({ 'Typeform-Signature': 'sha256=abc' }));
    const payload: SourcePayload = { ...jsonPayload, source: 'typeform' };

    const event = buildSourceEvent({ payload, functionLogicalId: 'IngestFunction4B2F2EB2', now, requestId: 'req-4', auth: { source, secret: 'k', sign } });

    expect(sign).toHaveBeenCalledWith(
      'typeform',
      expect.objectContaining({ method: 'POST', url: `https://${SAMPLE_API_HOST}/sources/typeform/leads`, rawBody: event.body }),
      'k',
      now,
    );
    expect(event.headers['typeform-signature']).toBe('sha256=abc');
  });

  it('given a public source limited to some origins, when built, then it posts from the first allowed origin and carries no secret', () => {
    const source = PublicSourceSchema.parse({ id: 'website', auth: 'public', allowedOrigins: ['http://localhost:8080'] });
    const event = buildSourceEvent({ payload: { ...jsonPayload, source: 'website' }, functionLogicalId: 'IngestFunction4B2F2EB2', now, requestId: 'req-5', auth: { source, secret: '', sign: noSigning } });
    expect(event.headers.origin).toBe('http://localhost:8080');
    expect(event.headers['x-lead-router-token']).toBeUndefined();
  });
});

describe('printing what the handler returned', () => {
  it('given an HTTP result with a JSON body, when presented, then the body is the parsed JSON', () => {
    expect(presentResult({ statusCode: 202, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: '{"leadId":"L1"}' })).toEqual({
      statusCode: 202,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: { leadId: 'L1' },
    });
  });

  it('given a base64 HTML body, when presented, then it is decoded text', () => {
    expect(presentResult({ statusCode: 200, headers: { 'content-type': 'text/html' }, body: Buffer.from('<p>ok</p>').toString('base64'), isBase64Encoded: true })).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/html' },
      body: '<p>ok</p>',
    });
  });

  it('given a non-HTTP result such as a batch response, when presented, then it is unchanged', () => {
    const batch = { batchItemFailures: [{ itemIdentifier: 'm1' }] };
    expect(presentResult(batch)).toBe(batch);
    expect(presentResult(undefined)).toBeNull();
  });
});
