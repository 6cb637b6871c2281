import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `npm run invoke` as a developer runs it: it starts the local stack, replays a sample event
 * from `events/` against the function its folder names, prints the result and exits.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run invoke', () => {
  it('given the JSON lead sample, when it is replayed, then the ingest function answers 202 with a lead id and the command exits 0', async () => {
    const child = spawn('npm', ['run', 'invoke', '--', 'events/ingest/post-lead-json.json'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');

    expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0);
    // npm prints its own "> lead-router invoke" banner first; the result is the JSON after it.
    const printed: unknown = JSON.parse(stdout.slice(stdout.indexOf('\n{') + 1));
    expect(printed).toMatchObject({ statusCode: 202, body: { leadId: expect.stringMatching(/^\S+$/) } });
  });
});
