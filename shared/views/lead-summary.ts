import { displayName, type Lead, type LeadContact } from '../domain/lead.ts';
import { flagRow, openFlags } from '../domain/lead-quality.ts';
import { readablePhone } from '../domain/normalize.ts';
import { html, type SafeHtml } from './html.ts';

const labels: [keyof LeadContact, string][] = [
  ['company', 'Company'],
  ['email', 'Email'],
  ['phone', 'Phone'],
  ['product', 'Product'],
  ['city', 'City'],
  ['region', 'Region'],
  ['postalCode', 'Postal code'],
  ['country', 'Country'],
  ['source', 'Source'],
  ['message', 'Message'],
];

/**
 * The lead's details as label/value pairs, canonical fields first, then whatever else the form
 * sent, then what it sent malformed ("Phone as given": "555-0100, not a valid number"), so the
 * rep knows what to check before calling.
 */
export function leadDetails(lead: Pick<Lead, 'contact' | 'fields' | 'quality'>): [string, string][] {
  const rows: [string, string][] = [];
  for (const [key, label] of labels) {
    const value = lead.contact[key];
    if (value) rows.push([label, key === 'phone' ? readablePhone(value) : value]);
  }
  for (const [key, value] of Object.entries(lead.fields)) rows.push([key, value]);
  for (const flag of openFlags(lead)) rows.push(flagRow(flag));
  return rows;
}

export function leadDetailsHtml(lead: Pick<Lead, 'contact' | 'fields' | 'quality'>): SafeHtml {
  return html`<table role="presentation" style="border-collapse:collapse">${leadDetails(lead).map(
    ([label, value]) =>
      html`<tr><th align="left" style="padding:4px 12px 4px 0;color:#555;font-weight:normal;vertical-align:top">${label}</th><td style="padding:4px 0;white-space:pre-wrap">${value}</td></tr>`,
  )}</table>`;
}

export function leadDetailsText(lead: Pick<Lead, 'contact' | 'fields' | 'quality'>): string {
  return leadDetails(lead)
    .map(([label, value]) => `${label}: ${value}`)
    .join('\n');
}

export function leadTitle(lead: Pick<Lead, 'contact'>): string {
  return displayName(lead.contact);
}
