import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MalformedRequest } from '../../domain/errors.ts';
import { leadFields } from '../lead-fields.ts';
import { isPlatformSource, SourceSchema } from '../source-config.ts';
import { PresetIds } from '../submission.ts';
import { presets } from './index.ts';
import { loadPostedSample, sampleFiles } from './sample-payloads.ts';

/** The demo stack's sources, which the samples in events/sources post to. */
const DemoStack = z.looseObject({ intake: z.looseObject({ sources: z.array(SourceSchema) }) });
const demoSources = new Map(
  DemoStack.parse(JSON.parse(readFileSync(new URL('../../../infra/stacks/demo.json', import.meta.url), 'utf8'))).intake.sources.map((source) => [source.id, source]),
);
/** Ad platforms' samples are notifications, not leads: shared/ingest/platforms reads them and the leads they announce. */
const presetSamples: string[] = [];
for (const file of sampleFiles()) {
  const source = demoSources.get((await loadPostedSample(file)).source);
  if (source === undefined || !isPlatformSource(source)) presetSamples.push(file);
}

describe('presets', () => {
  it('given every preset id, when looked up, then a preset of that id reads its deliveries', () => {
    for (const id of PresetIds) expect(presets[id].id).toBe(id);
  });

  it.each(PresetIds)('given the %s preset on a public source, when configured, then it is refused exactly when its sender proves itself with a key in the body', (id) => {
    const parsed = SourceSchema.safeParse({ id: 'x', auth: 'public', preset: id });

    expect(parsed.success).toBe(presets[id].bodyToken === undefined);
    if (!parsed.success) expect(parsed.error.issues[0]?.message).toMatch(/needs "auth": "token"/);
    expect(SourceSchema.safeParse({ id: 'x', auth: 'token', preset: id }).success).toBe(true);
  });

  it.each(presetSamples)('given the sample %s, when its demo source reads it, then it names the person with an email and a name', async (file) => {
    const sample = await loadPostedSample(file);
    const source = demoSources.get(sample.source);
    expect(source, `events/sources/${file}: no demo source "${sample.source}"`).toBeDefined();
    if (!source || isPlatformSource(source)) throw new Error(`events/sources/${file}: "${sample.source}" is not a posting source`);
    // With the source's own mapping, as the webhook reads it (Gravity Forms' field ids need one).
    const submission = presets[source.preset].extract(sample.parsed, { mapped: new Set(Object.values(source.mapping)) });
    const { fields } = leadFields(submission, source);
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
