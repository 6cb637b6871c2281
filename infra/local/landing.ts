import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Serves the sample landing page of `events/landing/` the way a company's web server would:
 * only the files of that folder, its form pointed at the stack's webhook. `npm start` runs it
 * on LANDING_PORT; the browser test on a free port.
 */

export interface LandingServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Where the form posts: `<api url>/sources/<source id>/leads`. */
  readonly webhookUrl: string;
  readonly host?: string;
  /** The page's folder; default events/landing/. */
  readonly root?: URL;
}

export interface LandingServer {
  /** `http://localhost:<port>` */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export const LANDING_ROOT = new URL('../../events/landing/', import.meta.url);
export const WEBHOOK_PLACEHOLDER = '{{WEBHOOK_URL}}';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
};

export function contentTypeOf(fileName: string): string {
  return CONTENT_TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file a request path names, if it is one of `files`: `/` is index.html, anything else
 * must be exactly a file name of the folder. Matching names rather than joining paths leaves
 * nothing to traverse: `..`, encoded slashes and subfolders simply are not in the list.
 */
export function fileForPath(path: string, files: readonly string[]): string | undefined {
  let name: string;
  try {
    name = decodeURIComponent(path.split(/[?#]/, 1)[0]!.replace(/^\/+/, ''));
  } catch {
    return undefined;
  }
  if (name === '') name = 'index.html';
  return files.includes(name) ? name : undefined;
}

const attributeEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The page with its form pointed at the webhook; the URL is escaped for an HTML attribute. */
export function withWebhookUrl(html: string, webhookUrl: string): string {
  return html.replaceAll(WEBHOOK_PLACEHOLDER, webhookUrl.replace(/[&<>"']/g, (char) => attributeEntities[char]!));
}

/**
 * What the page may load and where it may post: its own files, and the webhook for both the
 * fetch and the plain form post (whose 303 comes back to this origin's thanks.html).
 */
export function securityHeaders(webhookUrl: string): Record<string, string> {
  const webhook = new URL(webhookUrl).origin;
  return {
    'content-security-policy': [
      "default-src 'self'",
      "img-src 'self' data:",
      `connect-src 'self' ${webhook}`,
      `form-action 'self' ${webhook}`,
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "object-src 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
  };
}

export async function startLandingServer(options: LandingServerOptions): Promise<LandingServer> {
  const root = options.root ?? LANDING_ROOT;
  const headers = securityHeaders(options.webhookUrl);
  const server = createServer((req, res) => respond(req, res, root, options.webhookUrl, headers));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, ...(options.host ? { host: options.host } : {}) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function respond(req: IncomingMessage, res: ServerResponse, root: URL, webhookUrl: string, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
    return;
  }
  // Read per request, so edits to the page show on reload.
  const files = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
  const name = fileForPath(req.url ?? '/', files);
  if (!name) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n');
    return;
  }
  const type = contentTypeOf(name);
  const raw = readFileSync(join(fileURLToPath(root), name));
  const body = type.startsWith('text/html') ? Buffer.from(withWebhookUrl(raw.toString('utf8'), webhookUrl)) : raw;
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-cache' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
