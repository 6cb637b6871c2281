import { describe, expect, it } from 'vitest';
import { MalformedRequest } from '../../domain/errors.ts';
import { hubspot } from './hubspot.ts';
import { loadSample } from './sample-payloads.ts';

describe('hubspot preset', () => {
  it('given the workflow webhook sample (legacy contact record), when extracted, then contact properties map and HubSpot bookkeeping is dropped', () => {
    const submission = hubspot.extract(loadSample('hubspot-workflow.json').parsed);
    expect(submission.fields).toEqual({
      firstName: 'Paul',
      lastName: 'Hoffmann',
      email: 'paul.hoffmann@example.de',
      phone: '+49 30 5550 1566',
      company: 'Hoffmann Gartenbau',
      country: 'Germany',
      city: 'Berlin',
      postalCode: '10115',
      message: 'Barn roof with about 120 m², east-west.',
      language: 'de',
      product: 'solar',
    });
    expect(submission.eventId).toBe('2e137f47-a86e-4879-8322-d47f6f529a93');
    expect(submission.pageUrl).toBe('https://www.example.de/solar-angebot?utm_source=google&utm_medium=cpc&utm_campaign=solar-berlin');
  });

  it('given a contact record without form submissions, when extracted, then the event id is the contact and its latest conversion', () => {
    const body = { vid: 51, properties: { email: { value: 'b@example.com' }, recent_conversion_date: { value: '1772359140000' } } };
    expect(hubspot.extract(body)).toEqual({ fields: { email: 'b@example.com' }, eventId: 'contact-51-1772359140000' });
  });

  it('given a contact record whose properties are plain values, when extracted, then they are read too', () => {
    expect(hubspot.extract({ id: '1', properties: { firstname: 'Jo', email: 'jo@example.com', mobilephone: '+49 176 1' } }).fields).toEqual({
      firstName: 'Jo',
      email: 'jo@example.com',
      phone: '+49 176 1',
    });
  });

  it('given the Forms API submission sample, when extracted, then the values map, mobilephone is the phone and the conversion id is the event id', () => {
    const submission = hubspot.extract(loadSample('hubspot-form-submission.json').parsed);
    expect(submission.fields).toEqual({
      firstName: 'Laura',
      lastName: 'Richter',
      email: 'laura.richter@example.de',
      phone: '+49 176 5550 2044',
      company: 'Richter Logistik GmbH',
      country: 'DE',
      city: 'Berlin',
      postalCode: '10115',
      message: 'Warehouse offices, 600 m², currently gas.',
      product: 'heat-pump',
    });
    expect(submission.eventId).toBe('9d2c0e44-7d7b-4d1f-a0b5-3c5e91b1f6a2');
    expect(submission.pageUrl).toBe('https://www.example.de/waermepumpe?utm_source=newsletter&utm_medium=email');
  });

  it('given a phone and a mobile phone, when extracted, then the phone property is the phone whatever the order', () => {
    const body = { values: [{ name: 'mobilephone', value: '+49 176 1' }, { name: 'phone', value: '+49 30 2' }] };
    expect(hubspot.extract(body).fields).toEqual({ phone: '+49 30 2', mobilephone: '+49 176 1' });
  });

  it('given a Forms submit API body with legal consent, when extracted, then the ticked subscription is the consent and pageUri the page', () => {
    const body = {
      submittedAt: '1772359200000',
      fields: [{ objectTypeId: '0-1', name: 'email', value: 'c@example.com' }, { objectTypeId: '0-1', name: 'firstname', value: 'Cy' }],
      context: { hutk: 'abc', pageUri: 'https://www.example.com/offer', pageName: 'Offer' },
      legalConsentOptions: { consent: { consentToProcess: true, text: 'I agree', communications: [{ value: true, subscriptionTypeId: 999, text: 'Marketing' }] } },
    };
    expect(hubspot.extract(body)).toEqual({ fields: { consent: true, email: 'c@example.com', firstName: 'Cy' }, pageUrl: 'https://www.example.com/offer' });
  });

  it('given a workflow webhook with a customized body, when extracted, then its flat properties map and the rest keep their names', () => {
    const body = { firstname: 'Di', lastname: 'Ng', email: 'di@example.com', zip: '10115', hs_object_id: 77, budget: '20k' };
    expect(hubspot.extract(body)).toEqual({ fields: { firstName: 'Di', lastName: 'Ng', email: 'di@example.com', postalCode: '10115', hs_object_id: 77, budget: '20k' } });
  });

  it.each([
    [{ values: 'email=a@b.c' }, /HubSpot form submission/],
    [{ values: [{ value: 'a@b.c' }] }, /HubSpot form submission/],
    [{ properties: ['email'] }, /HubSpot workflow webhook/],
    [[{ email: 'a@b.c' }], /Expected a HubSpot JSON object/],
  ])('given the malformed body %j, when extracted, then the request is malformed naming the expected shape', (body, message) => {
    expect(() => hubspot.extract(body)).toThrow(MalformedRequest);
    expect(() => hubspot.extract(body)).toThrow(message);
  });
});
