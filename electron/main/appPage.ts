// The desktop app's own page: renderer/dist, served under backline-app://app in Electron (a
// privileged custom scheme, shell/index.ts) and over http://127.0.0.1 by the e2e harness. Same
// files, same policy: the page may talk to any https/wss hub (which one is decided by pinning),
// and nothing else.
import { readAppAssets, type Asset } from '../../hub-core/src/index.js';
import { isAppPath } from '../../protocol/rules.js';

export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' https: wss:",
  "media-src 'self' blob: mediastream:",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Serves the built renderer: known files as they are, the app's routes as index.html. */
export function appPageServer(root: string): (pathname: string) => AppResponse {
  let assets = new Map<string, Asset>();
  try {
    assets = readAppAssets(root);
  } catch {
    // Not built: every request answers 503 with the fix.
  }
  const index = assets.get('/index.html');
  const headers = (a: Asset) => ({
    'content-type': a.type,
    'content-security-policy': APP_CSP,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  });
  return (pathname) => {
    const file = assets.get(pathname);
    if (file) return { status: 200, headers: headers(file), body: file.body };
    if (index && isAppPath(pathname))
      return { status: 200, headers: headers(index), body: index.body };
    return {
      status: index ? 404 : 503,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: Buffer.from(
        index ? 'not found' : 'The app page is not built: run npm run build:renderer',
      ),
    };
  };
}
