import { Template } from 'aws-cdk-lib/assertions';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { cdkJsonContext, demoConfig } from './support.ts';

// The only test that runs esbuild: kept in its own file so the slow bundling runs in parallel
// with the template assertions, which all synthesize with bundling off.
const outdir = mkdtempSync(join(tmpdir(), 'lead-router-cdk-out-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

let synthesized: Template | undefined;
/** The demo stack, synthesized with bundling once for the file (by whichever test asks first). */
const demoTemplate = () => (synthesized ??= Template.fromStack(buildApp({ configs: [demoConfig()], bundle: true, outdir, context: cdkJsonContext() }).stacks[0]!));

describe('given the demo stack built with bundling on', () => {
  it('when it is synthesized, then every function code asset is an esbuild bundle staged in the cloud assembly', () => {
    const template = demoTemplate();

    const functions = Object.entries(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(9);
    for (const [id, fn] of functions) {
      const { Code: code, Handler: handler } = fn.Properties as { Code: { S3Key?: string }; Handler: string };
      expect(code.S3Key, id).toMatch(/^[0-9a-f]{64}\.zip$/);
      const staged = join(outdir, `asset.${code.S3Key!.replace(/\.zip$/, '')}`);
      expect(handler, id).toBe('index.handler');
      expect(existsSync(join(staged, 'index.mjs')), `${id} bundle at ${staged}`).toBe(true);
      expect(statSync(join(staged, 'index.mjs')).size, id).toBeGreaterThan(0);
      expect(existsSync(join(staged, 'index.mjs.map')), `${id} source map`).toBe(true);
    }
  });

  it("when it is synthesized, then the portal stylesheet is beside index.mjs in every bundle whose code reads it there, which is the portal's", () => {
    const functions = Object.entries(demoTemplate().findResources('AWS::Lambda::Function'));
    const source = readFileSync(new URL('../../shared/views/portal/portal.css', import.meta.url), 'utf8');

    const readers: string[] = [];
    for (const [id, fn] of functions) {
      const staged = join(outdir, `asset.${(fn.Properties as { Code: { S3Key: string } }).Code.S3Key.replace(/\.zip$/, '')}`);
      // One module is the bundle now: the relative URL resolves beside index.mjs.
      if (!readFileSync(join(staged, 'index.mjs'), 'utf8').includes('new URL("./portal.css",import.meta.url)')) continue;
      readers.push(id);
      expect(readFileSync(join(staged, 'portal.css'), 'utf8'), id).toBe(source);
    }
    expect(readers).toEqual([expect.stringMatching(/^PortalFunction/)]);
  });
});
