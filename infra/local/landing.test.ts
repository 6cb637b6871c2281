import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTypeOf, fileForPath, startLandingServer, withWebhookUrl, type LandingServer } from './landing.ts';

const files = ['index.html', 'thanks.html', 'landing.css', 'landing.js'];

describe('which file a landing page request names', () => {
  it.each([
    ['/', 'index.html'],
    ['/?utm_campaign=spring', 'index.html'],
    ['/thanks.html', 'thanks.html'],
    ['/landing.css?v=2', 'landing.css'],
  ])('given %s, when resolved, then it is %s', (path, expected) => {
    expect(fileForPath(path, files)).toBe(expected);
  });

  it.each(['/../package.json', '/..%2f..%2fpackage.json', '/%2e%2e/README.md', '/sub/index.html', '//etc/passwd', '/%E0%A4%A', '/index.html/'])(
    'given %s, when resolved, then no file is served',
    (path) => {
      expect(fileForPath(path, files)).toBeUndefined();
    },
  );

  it('given the page files, when typed, then each gets its content type', () => {
    expect(contentTypeOf('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('landing.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('landing.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('notes.bin')).toBe('application/octet-stream');
  });

  it('given a webhook URL with a query, when put in the page, then it is escaped for the attribute', () => {
    expect(withWebhookUrl('<form action="{{WEBHOOK_URL}}">', 'https://api.example.com/sources/web/leads?a=1&b="2"')).toBe(
      '<form action="https://api.example.com/sources/web/leads?a=1&amp;b=&quot;2&quot;">',
    );
  });
});

describe('the landing server', () => {
  let server: LandingServer;
  const webhookUrl = 'http://localhost:3999/sources/website/leads';

  beforeAll(async () => {
    server = await startLandingServer({ port: 0, webhookUrl });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A raw request, so the path reaches the server exactly as written (fetch would normalize `..`). */
  function get(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: 'localhost', port: server.port, path, method }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('given the page, when / is requested, then the form posts to the webhook and the page may post there', async () => {
    const page = await get('/?utm_source=test');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain(`action="${webhookUrl}"`);
    expect(page.body).not.toContain('{{WEBHOOK_URL}}');
    expect(page.headers['content-security-policy']).toContain("form-action 'self' http://localhost:3999");
  });

  it('given the script and the stylesheet, when requested, then they come with their types', async () => {
    expect((await get('/landing.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/landing.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('given paths outside the folder, when requested, then 404 and nothing of the repository', async () => {
    for (const path of ['/../../package.json', '/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json']) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(response.body, path).not.toContain('lead-router');
    }
  });

  it('given a POST, when sent to the static server, then 405', async () => {
    expect((await get('/', 'POST')).status).toBe(405);
  });
});
