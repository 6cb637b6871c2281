import { describe, expect, it } from 'vitest';
import { MalformedRequest } from '../../domain/errors.ts';
import { loadSample } from './sample-payloads.ts';
import { wordpress } from './wordpress.ts';

describe('wordpress preset', () => {
  it('given the CF7 to Webhook sample, when extracted, then CF7 tag names map, the acceptance box is the consent and special tags give the page', () => {
    const submission = wordpress.extract(loadSample('wordpress-cf7.json').parsed);
    expect(submission.fields).toEqual({
      name: 'Julia Schneider',
      email: 'julia.schneider@example.de',
      phone: '030 5550 1877',
      company: 'Schneider & Partner Steuerberatung',
      product: 'solar',
      postalCode: '10115',
      country: 'DE',
      'your-subject': 'Angebot Photovoltaik',
      message: 'Bitte um Rückruf am Vormittag.',
      'checkbox-512': 'Battery storage, Wallbox',
      consent: '1',
    });
    expect(submission.pageUrl).toBe('https://www.example.de/kontakt/?utm_source=google&utm_medium=organic');
    expect(submission.eventId).toBeUndefined();
  });

  it('given the Elementor Advanced Data sample, when extracted, then field types and titles map and the page URL comes from the meta data', () => {
    const submission = wordpress.extract(loadSample('wordpress-elementor.json').parsed);
    expect(submission.fields).toEqual({
      name: 'Jürgen Krüger',
      email: 'juergen.krueger@example.de',
      phone: '+49 30 5550 1923',
      company: 'Krüger Elektrotechnik',
      product: 'solar',
      postalCode: '10178',
      country: 'DE',
      message: 'Gewerbehalle, 800 m² Dachfläche.',
      consent: 'on',
      form_name: 'Solaranfrage',
    });
    expect(submission.pageUrl).toBe('https://www.example.de/solar-gewerbe/?utm_source=linkedin&utm_campaign=gewerbe');
    expect(submission.eventId).toBeUndefined();
  });

  it('given the Elementor simple mode sample, when extracted, then labels map and Elementor metadata is dropped', () => {
    const submission = wordpress.extract(loadSample('wordpress-elementor-simple.json').parsed);
    expect(submission.fields).toEqual({
      name: 'Emily Carter',
      email: 'emily.carter@example.co.uk',
      phone: '+44 161 496 0123',
      company: 'Carter Dental Practice',
      product: 'heat-pump',
      postalCode: 'M1 1AE',
      country: 'GB',
      message: 'Practice building, 300 m², gas boiler.',
      form_name: 'Heat pump enquiry',
    });
    expect(submission.pageUrl).toBe('https://www.example.co.uk/heat-pumps/?utm_source=bing');
  });

  it('given Elementor Advanced Data with a honeypot, a multi-select sent as raw values and no title, when extracted, then answers are read and the trap is left out', () => {
    const body = {
      'form[id]': 'f1',
      'fields[email][type]': 'email',
      'fields[email][value]': 'e@example.com',
      'fields[trap][type]': 'honeypot',
      'fields[trap][value]': '',
      'fields[field_9][type]': 'checkbox',
      'fields[field_9][raw_value][0]': 'solar',
      'fields[field_9][raw_value][1]': 'battery',
    };
    expect(wordpress.extract(body)).toEqual({ fields: { email: 'e@example.com', field_9: 'solar, battery' } });
  });

  it('given Elementor Advanced Data as nested JSON, when extracted, then it is read like the form post', () => {
    const body = { form: { id: 'f1', name: 'Quote' }, fields: { tel: { type: 'tel', title: 'Mobile', value: '+49 176 1' } }, meta: { page_url: { title: 'Page URL', value: 'https://x.example/' } } };
    expect(wordpress.extract(body)).toEqual({ fields: { phone: '+49 176 1', form_name: 'Quote' }, pageUrl: 'https://x.example/' });
  });

  it('given a CF7 field holding a nested object, when extracted, then it is kept as its JSON text for the lead checks to judge', () => {
    expect(wordpress.extract({ 'your-email': 'a@example.com', 'your-address': { city: 'Berlin' } }).fields).toMatchObject({ email: 'a@example.com', 'your-address': '{"city":"Berlin"}' });
  });

  it.each([[['a']], ['your-email=a@b.c'], [null]])('given the body %j, when extracted, then the request is malformed', (body) => {
    expect(() => wordpress.extract(body)).toThrow(/Expected a Contact Form 7/);
  });
});
