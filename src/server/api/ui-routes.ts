import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { renderUiPage } from '../../ui/page.js';
import { HttpError, type ServerContext } from '../context.js';

/**
 * The browser side of the server:
 *
 *   GET /             the web UI, one self-contained page (src/ui/page.ts): no CDN, works offline
 *   GET /speedscope/  speedscope's own static viewer from the `speedscope` npm package
 *                     (dist/release), so "open in speedscope" stays on this server; it loads a
 *                     profile given as /speedscope/#profileURL=<url-encoded export URL>
 *
 * The page itself holds no data; it reads the JSON API with the browser's credentials, so the
 * page is served without a token while every query still checks one.
 */
export function registerUiRoutes(app: FastifyInstance, _ctx: ServerContext): void {
  let page: string | undefined;
  const servePage = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    page ??= renderUiPage();
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
  };
  app.get('/', servePage);
  app.get('/ui', servePage);

  app.get('/speedscope', async (_req, reply) => reply.redirect('/speedscope/'));
  app.get('/speedscope/*', async (req, reply) => {
    const root = speedscopeRoot();
    if (!root)
      throw new HttpError(404, 'speedscope is not installed on this server (npm package `speedscope`)');
    const rest = (req.params as { '*': string })['*'] || 'index.html';
    const file = normalize(join(root, rest));
    // normalize resolves '..', so anything outside the release folder is a request we refuse.
    if (!file.startsWith(root + sep)) throw new HttpError(404, 'not found');
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      throw new HttpError(404, 'not found');
    }
    return reply
      .type(CONTENT_TYPES[extname(file)] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=3600')
      .send(bytes);
  });
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

let cachedRoot: string | null | undefined;

/** speedscopeRoot finds node_modules/speedscope/dist/release, or null when the package is absent. */
function speedscopeRoot(): string | null {
  if (cachedRoot !== undefined) return cachedRoot;
  try {
    const pkg = createRequire(import.meta.url).resolve('speedscope/package.json');
    cachedRoot = join(dirname(pkg), 'dist', 'release');
  } catch {
    cachedRoot = null;
  }
  return cachedRoot;
}
