import { describe, expect, it } from 'vitest';
import { MalformedRequest } from '../../domain/errors.ts';
import { loadSample } from './sample-payloads.ts';
import { webflow } from './webflow.ts';

describe('webflow preset', () => {
  it('given the v2 form_submission sample, when extracted, then field labels map to canonical fields and the submission id is the event id', () => {
    const submission = webflow.extract(loadSample('webflow.json').parsed);
    expect(submission.fields).toEqual({
      firstName: 'Felix',
      lastName: 'Wagner',
      email: 'felix.wagner@example.de',
      phone: '+49 30 5550 1299',
      company: 'Wagner Immobilien GmbH',
      product: 'heat-pump',
      postalCode: '10115',
      country: 'DE',
      message: 'Two semi-detached houses, both with oil heating today.',
    });
    expect(submission.eventId).toBe('65e1a8c4df3949bfc6752327');
    expect(submission.pageUrl).toBeUndefined();
  });

  it('given the legacy v1 sample, when extracted, then its data and _id are read', () => {
    const submission = webflow.extract(loadSample('webflow-v1.json').parsed);
    expect(submission.fields).toEqual({
      name: 'Sophie Braun',
      email: 'sophie.braun@example.de',
      phone: '+49 30 5550 1388',
      company: 'Braun Bäckerei',
      product: 'solar',
      postalCode: '10115',
      country: 'DE',
    });
    expect(submission.eventId).toBe('6321ca84df3949bfc6752327');
  });

  it('given a v2 delivery with the page URL and a phone sent as a number (as in the docs), when extracted, then both come through', () => {
    const body = { triggerType: 'form_submission', payload: { id: 'abc', data: { email: 'z@example.ai', 'Phone Number': 15550000000 }, pageUrl: 'https://site.webflow.io/contact' } };
    expect(webflow.extract(body)).toEqual({ fields: { email: 'z@example.ai', phone: '15550000000' }, eventId: 'abc', pageUrl: 'https://site.webflow.io/contact' });
  });

  it('given another trigger type, when extracted, then it is refused as not a form submission', () => {
    expect(() => webflow.extract({ triggerType: 'site_publish', payload: { id: 'x', data: {} } })).toThrow(/"site_publish" is not a form submission/);
  });

  it.each([[{ triggerType: 'form_submission', payload: { data: { email: 'a@b.c' } } }], [{ triggerType: 'form_submission' }], [{ name: 'Form', data: { email: 'a@b.c' } }], [[]]])(
    'given the malformed body %j, when extracted, then the request is malformed naming the Webflow shape',
    (body) => {
      expect(() => webflow.extract(body)).toThrow(MalformedRequest);
      expect(() => webflow.extract(body)).toThrow(/Webflow form_submission webhook/);
    },
  );
});
