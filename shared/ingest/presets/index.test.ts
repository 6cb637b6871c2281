import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MalformedRequest } from '../../domain/errors.ts';
import { PresetIds } from '../submission.ts';
import { presets } from './index.ts';
import { loadSample, sampleFiles } from './sample-payloads.ts';

/** The demo stack's sources and their presets, which the samples in events/sources post to. */
const DemoStack = z.looseObject({
  intake: z.looseObject({ sources: z.array(z.looseObject({ id: z.string(), auth: z.string(), preset: z.enum(PresetIds).default('canonical') })) }),
});
const demoSources = DemoStack.parse(JSON.parse(readFileSync(new URL('../../../infra/stacks/demo.json', import.meta.url), 'utf8'))).intake.sources;
const demoPresets = new Map(demoSources.map((source) => [source.id, source.preset]));
/** Ad platforms' samples are notifications, not leads: shared/ingest/platforms reads them and the leads they announce. */
const platformSources = new Set(demoSources.filter((source) => source.auth === 'facebook' || source.auth === 'linkedin').map((source) => source.id));
const presetSamples = sampleFiles().filter((file) => !platformSources.has(loadSample(file).source));

describe('presets', () => {
  it('given every preset id, when looked up, then a preset of that id reads its deliveries', () => {
    for (const id of PresetIds) expect(presets[id].id).toBe(id);
  });

  it.each(presetSamples)('given the sample %s, when its demo source reads it, then it names the person with an email and a name', (file) => {
    const sample = loadSample(file);
    const preset = demoPresets.get(sample.source);
    expect(preset, `events/sources/${file}: no demo source "${sample.source}"`).toBeDefined();
    const { fields } = presets[preset!].extract(sample.parsed);
    expect(String(fields.email)).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
    expect(fields.firstName ?? fields.name).toEqual(expect.any(String));
  });

  it.each(PresetIds)('given any JSON or form body, when the %s preset reads it, then it returns plain field values or throws MalformedRequest, nothing else', (id) => {
    // Keys senders and attackers both like: each preset's own, bracketed Elementor keys, prototype names.
    const key = fc.oneof(
      fc.string(),
      fc.constantFrom('data.json', 'values', 'fields', 'properties', 'payload', 'triggerType', 'form_response', 'event_id', 'event_type', 'answers', 'form_id', 'form_name', '_url'),
      fc.constantFrom('fields[x][type]', 'fields[x][value]', 'fields[x][raw_value][0]', 'meta[page_url][value]', 'form[__proto__]', 'fields[__proto__][type]', '__proto__', 'constructor'),
    );
    const value = fc.letrec((tie) => ({
      json: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 3 }), fc.dictionary(key, tie('json'), { maxKeys: 6 }), fc.array(tie('json'), { maxLength: 3 })),
    })).json;
    fc.assert(
      fc.property(fc.oneof(value, fc.dictionary(key, fc.string(), { maxKeys: 8 })), (body) => {
        try {
          const submission = presets[id].extract(body);
          return Object.values(submission.fields).every((field) => ['string', 'number', 'boolean'].includes(typeof field));
        } catch (error) {
          return error instanceof MalformedRequest;
        }
      }),
      { numRuns: 300 },
    );
  });
});
