// Debian's Chromium, driven by Playwright, for the e2e specs. No browser download.
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the specs save their screenshots (named in the README). */
export const SCREENSHOTS = join(import.meta.dirname, 'screenshots');

export function launch(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** A browser profile for one person, at the smallest window the UI supports. */
export async function person(
  browser: Browser,
): Promise<{ ctx: BrowserContext; page: Page; problems: string[] }> {
  const ctx = await browser.newContext({
    // The hub's certificate is self-signed; the desktop app pins it (issue E).
    ignoreHTTPSErrors: true,
    viewport: { width: 1024, height: 640 },
  });
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    if (d.type() === 'alert') problems.push(`alert: ${d.message()}`);
  });
  page.on('console', (m) => {
    // Refusals the UI shows (the signed-out probe's 401, a wrong passphrase's 403) are
    // expected answers; any other console error (a CSP refusal, a crash) is a problem.
    if (m.type() === 'error' && !/status of 40[13]/.test(m.text()))
      problems.push(`console: ${m.text()}`);
  });
  return { ctx, page, problems };
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** axe-core's serious and critical findings on the page, one line each. */
export async function seriousA11y(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}
