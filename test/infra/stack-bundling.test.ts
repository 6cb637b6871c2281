import { Template } from 'aws-cdk-lib/assertions';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { cdkJsonContext, demoConfig } from './support.ts';

// The only test that runs esbuild: kept in its own file so the slow bundling runs in parallel
// with the template assertions, which all synthesize with bundling off.
const outdir = mkdtempSync(join(tmpdir(), 'lead-router-cdk-out-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('given the demo stack built with bundling on', () => {
  it('when it is synthesized, then every function code asset is an esbuild bundle staged in the cloud assembly', () => {
    const { stacks } = buildApp({ configs: [demoConfig()], bundle: true, outdir, context: cdkJsonContext() });

    const template = Template.fromStack(stacks[0]!);

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
});
