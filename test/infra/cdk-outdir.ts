import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Each CDK app a test builds without an outdir synthesizes into a fresh `cdk.out*` directory in
 * the temp dir, which the CDK never removes. One directory per test file instead, removed after it.
 */
const outdir = mkdtempSync(join(tmpdir(), 'lead-router-cdk-'));
process.env.CDK_OUTDIR = outdir;
afterAll(() => {
  delete process.env.CDK_OUTDIR;
  rmSync(outdir, { recursive: true, force: true });
});
