import { existsSync, readFileSync } from 'node:fs';

/** The hub's version, from the root package.json (two levels up in the sources, one when bundled). */
export const VERSION: string = (() => {
  for (const rel of ['../../package.json', '../package.json']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(url))
      return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
})();
