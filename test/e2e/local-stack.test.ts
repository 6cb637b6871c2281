import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeedFile } from '#infra/local/seed.ts';
import { readInbox, waitForEmails } from './inbox.ts';

/**
 * `npm start` as a user runs it: the process prints `ready`, serves the API and the inbox on the
 * ports it was given, turns a posted lead into an offer email, and stops cleanly on SIGTERM
 * without leaving DynamoDB Local's java behind.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const READY_TIMEOUT_MS = 90_000;
const repEmails = loadSeedFile().reps.map((rep) => rep.email);

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function waitForReady(child: ChildProcess, output: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ready" line within ${READY_TIMEOUT_MS} ms:\n${output.join('')}`)), READY_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (/\bready\b/.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready:\n${output.join('')}`));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function childPids(pid: number): Promise<number[]> {
  const pgrep = spawn('pgrep', ['-P', String(pid)]);
  let text = '';
  pgrep.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await once(pgrep, 'exit');
  return text.split('\n').filter(Boolean).map(Number);
}

describe('npm start', () => {
  let child: ChildProcess;
  let apiUrl: string;
  let inboxUrl: string;
  const output: string[] = [];

  beforeAll(async () => {
    const [port, sesPort] = [await freePort(), await freePort()];
    apiUrl = `http://localhost:${port}`;
    inboxUrl = `http://localhost:${sesPort}`;
    child = spawn(process.execPath, ['infra/local/start.ts'], {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(port), SES_PORT: String(sesPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await waitForReady(child, output);
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('given the stack is ready, when /health is requested, then it answers 200', async () => {
    expect((await fetch(`${apiUrl}/health`)).status).toBe(200);
  });

  it('given the stack is ready, when a route that does not exist is requested, then 404 JSON', async () => {
    const response = await fetch(`${apiUrl}/does-not-exist`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
  });

  it('given the seeded demo reps, when a lead is posted, then 202 with its id and an offer email reaches the inbox', async () => {
    const email = `e2e-${Date.now()}@example.com`;
    const response = await fetch(`${apiUrl}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, firstName: 'Ada', product: 'solar', country: 'DE', postalCode: '20095', phone: '+49 40 123456' }),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ leadId: expect.any(String), status: 'received' });

    await waitForEmails(inboxUrl, (sent) => (sent.body.text ?? '').includes(email), { timeout: 30_000, what: `offer emails about ${email}` });
    const offers = (await readInbox(inboxUrl)).filter((sent) => (sent.body.text ?? '').includes(email));
    expect(offers).toHaveLength(1);
    expect(repEmails).toContain(offers[0]!.destination.to[0]);
  });

  it('given the stack is running, when it gets SIGTERM, then it exits 0 and leaves no child process behind', async () => {
    const children = await childPids(child.pid!);
    expect(children.length).toBeGreaterThan(0);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    await expect.poll(() => children.filter(isAlive), { timeout: 5_000, interval: 100 }).toEqual([]);
  });
});
