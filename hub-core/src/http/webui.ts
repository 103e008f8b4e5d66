import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { APP_ROUTES } from '../../../protocol/rules.js';
import type { Logger } from '../log.js';

/**
 * The hub's web UI: the renderer build (Vite's `renderer/dist`), read into memory at start
 * and served from there. `/`, `/room/{id}` and `/patchbay/{room_id}` answer the app's page;
 * the app routes itself. Hashed files under /assets are cached for a year.
 */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const MAX_FILES = 500;

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  immutable: boolean;
}

/** Every file under `root`, read into memory (at most 500). Throws when `root` can't be read. */
export function readAppAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.isFile() && assets.size < MAX_FILES) {
        const rel = '/' + relative(root, full).split(sep).join('/');
        const body = readFileSync(full);
        assets.set(rel, {
          body,
          type: TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
          immutable: rel.startsWith('/assets/'),
        });
      }
    }
  };
  walk(root);
  return assets;
}

export function webUiRoutes(app: FastifyInstance, root: string, logger: Logger): void {
  let assets = new Map<string, Asset>();
  try {
    assets = readAppAssets(root);
  } catch (err) {
    logger.debug({ err: (err as Error).message }, 'web UI folder unreadable');
  }
  const index = assets.get('/index.html');
  if (!index)
    logger.warn(
      { webRoot: root },
      'web UI not built: the API works, but / shows a hint (run `npm run build:renderer`)',
    );

  const send = (reply: FastifyReply, asset: Asset, ifNoneMatch: string | undefined) => {
    reply
      .header('content-type', asset.type)
      .header('etag', asset.etag)
      .header(
        'cache-control',
        asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    if (asset.type.startsWith('text/html')) reply.header('content-security-policy', WEB_CSP);
    if (ifNoneMatch === asset.etag) return reply.status(304).send();
    return reply.send(asset.body);
  };

  const page = async (
    request: { headers: Record<string, string | string[] | undefined> },
    reply: FastifyReply,
  ) => {
    if (!index)
      return reply
        .status(503)
        .header('content-type', 'text/plain; charset=utf-8')
        .send(
          'The Backline web UI is not built on this hub. Run `npm run build:renderer` and restart; ' +
            'the API (/docs) works meanwhile.\n',
        );
    const inm = request.headers['if-none-match'];
    return send(reply, index, typeof inm === 'string' ? inm : undefined);
  };
  for (const route of APP_ROUTES) app.get(route, { schema: { hide: true } }, page);

  for (const [path, asset] of assets) {
    if (path === '/index.html') continue;
    app.get(path, { schema: { hide: true } }, async (request, reply) => {
      const inm = request.headers['if-none-match'];
      return send(reply, asset, typeof inm === 'string' ? inm : undefined);
    });
  }
}
