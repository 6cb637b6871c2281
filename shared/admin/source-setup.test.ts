import { describe, expect, it } from 'vitest';
import { senderSetup, SETUP_WITH_SECRET } from './source-setup.ts';

const url = 'https://api.example.com/sources/x/leads';

describe('sender set-up lines of the sources listing', () => {
  it('given a Google Ads source and its secret, when shown, then the webhook URL and the key are what to paste', () => {
    const lines = senderSetup({ id: 'google-ads', auth: 'token', preset: 'google-ads' }, url, 's3cret');

    expect(lines).toContain(`  Webhook URL  ${url}`);
    expect(lines).toContain('  Key          s3cret');
    expect(lines.join('\n')).toMatch(/Send test data.*test: true/);
  });

  it('given a JotForm source, when shown, then the URL carries the token, encoded', () => {
    expect(senderSetup({ id: 'jotform', auth: 'token', preset: 'jotform' }, url, 'a+b/c')).toContain(`  ${url}?token=a%2Bb%2Fc`);
  });

  it('given a Gravity Forms source, when shown, then the URL, the header and the mapping to add are named', () => {
    const lines = senderSetup({ id: 'gf', auth: 'token', preset: 'gravityforms' }, url, 's3cret').join('\n');

    expect(lines).toContain(`Request URL     ${url}`);
    expect(lines).toContain('X-Lead-Router-Token: s3cret');
    expect(lines).toMatch(/mapping/);
  });

  it('given other sources, when shown, then the secret is not in the lines but the command that shows it is', () => {
    expect(senderSetup({ id: 'zap', auth: 'token', preset: 'zapier' }, url).join('\n')).toMatch(/sources secret zap/);
    expect(senderSetup({ id: 'tf', auth: 'signed', preset: 'typeform', signature: 'typeform' }, url).join('\n')).toMatch(/Signed \(typeform\).*sources secret tf/);
    expect(senderSetup({ id: 'web', auth: 'public', preset: 'canonical' }, url)).toEqual([]);
    expect([...SETUP_WITH_SECRET].sort()).toEqual(['google-ads', 'gravityforms', 'jotform']);
  });
});
